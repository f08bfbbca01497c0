// Software stacks (data/stacks.yaml): what a stack sets, what it refuses, and the knobs' effects
// on the model against hand calculations.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "app/engine.h"
#include "app/internal.h"
#include "app/requests.h"
#include "catalog/catalog.h"
#include "perf/training.h"
#include "report/launch.h"
#include "testing.h"

namespace suanli::app {
namespace {

const catalog::Catalog& Cat() { return testing::BuiltinCatalog(); }

TrainRequest Train(const char* model, const char* chip, int64_t count) {
  TrainRequest r;
  r.model = model;
  r.chip = chip;
  r.count = count;
  r.tokens = 1e12;
  return r;
}

// Each contradiction is an error on the flag that asked for it, naming the stack's file:line.
TEST(Stacks, ContradictionsNameTheFlagAndTheStacksLine) {
  struct Case {
    const char* field;
    const char* text;
    std::function<void(TrainRequest&)> ask;
  };
  const Case cases[] = {
      {"schedule", "has no dualpipe schedule",
       [](TrainRequest& r) {
         r.stack = "megatron-core";
         r.schedule = "dualpipe";
       }},
      {"interleave", "has no interleaved schedule",
       [](TrainRequest& r) {
         r.stack = "deepspeed";
         r.interleave = 2;
       }},
      {"zero", "has no ZeRO stage 1",
       [](TrainRequest& r) {
         r.stack = "megatron-2021";
         r.zero = 1;
       }},
      // Megatron FSDP and torch FSDP2 under Megatron-Core run without a pipeline (S4270,
      // S4271); DeepSpeed's pipeline engine asserts a ZeRO stage below 2 (S2621).
      {"zero", "runs ZeRO stage 3 only without pipeline parallelism",
       [](TrainRequest& r) {
         r.stack = "megatron-core";
         r.zero = 3;
         r.pp = 8;
       }},
      {"zero", "runs ZeRO stage 2 only without pipeline parallelism",
       [](TrainRequest& r) {
         r.stack = "deepspeed";
         r.zero = 2;
         r.pp = 4;
       }},
      {"recompute_modules", "cannot recompute module core_attn",
       [](TrainRequest& r) {
         r.stack = "megatron-2021";
         r.recompute_modules = {"core_attn"};
       }},
      {"recompute", "has no selective recomputation",
       [](TrainRequest& r) {
         r.stack = "megatron-2021";
         r.recompute = "selective";
       }},
      {"dp_overlap", "does not overlap the data-parallel gradient sync",
       [](TrainRequest& r) {
         r.stack = "megatron-2021";
         r.dp_overlap = "on";
       }},
      {"attention", "has no flash attention",
       [](TrainRequest& r) {
         r.stack = "megatron-2021";
         r.attention = "flash";
       }},
      {"dtype", "has no precision recipe 'fp8-delayed'",
       [](TrainRequest& r) {
         r.stack = "megatron-2021";
         r.dtype = "fp8";
       }},
      {"offload_layers", "does not offload activations to host memory",
       [](TrainRequest& r) {
         r.stack = "torchtitan-fsdp2";
         r.offload_layers = 4;
       }},
      {"emit", "runs with --emit torchtitan",
       [](TrainRequest& r) {
         r.stack = "torchtitan-fsdp2";
         r.emit = "megatron";
       }},
  };
  for (const auto& c : cases) {
    TrainRequest r = Train("llama-3-8b", "h100", 64);
    c.ask(r);
    auto setup = internal::BuildTrainJob(Cat(), r);
    ASSERT_FALSE(setup) << c.field;
    EXPECT_EQ(setup.error().field, c.field) << setup.error().ToString();
    EXPECT_NE(setup.error().message.find(c.text), std::string::npos) << setup.error().message;
    EXPECT_NE(setup.error().message.find("stacks.yaml:"), std::string::npos)
        << setup.error().message;
  }
  // Not a stack question: a bad value and an unknown stack.
  TrainRequest r = Train("llama-3-8b", "h100", 64);
  r.dp_overlap = "maybe";
  auto bad = internal::BuildTrainJob(Cat(), r);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "dp_overlap");
  r = Train("llama-3-8b", "h100", 64);
  r.stack = "megatron";
  bad = internal::BuildTrainJob(Cat(), r);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "stack");
  EXPECT_NE(bad.error().message.find("megatron-core"), std::string::npos) << bad.error().message;
}

// A stack sets its knobs and limits the search to what it has.
TEST(Stacks, PresetsSetKnobsAndLimitTheSearch) {
  TrainRequest r = Train("llama-3-8b", "h100", 64);
  r.stack = "megatron-2021";
  auto old = internal::BuildTrainJob(Cat(), r);
  ASSERT_TRUE(old) << old.error().ToString();
  EXPECT_EQ(old->job.software.dp_overlap, std::optional<bool>{false});
  EXPECT_EQ(old->job.attention, perf::AttentionKernel::kUnfused);
  auto searched = perf::SearchLayout(old->job, old->fixed);
  ASSERT_TRUE(searched) << searched.error().message;
  EXPECT_EQ(searched->best.layout.zero_stage, 0);  // no distributed optimizer in 2021
  EXPECT_NE(searched->best.layout.recompute, perf::Recompute::kSelective);
  EXPECT_EQ(searched->best.layout.schedule, perf::PipelineSchedule::k1F1B);

  r.stack = "torchtitan-fsdp2";
  auto titan = internal::BuildTrainJob(Cat(), r);
  ASSERT_TRUE(titan) << titan.error().ToString();
  ASSERT_TRUE(titan->job.precision);
  EXPECT_EQ(titan->job.precision->recipe, "fsdp2-mixed");  // its bf16 recipe
  auto t = perf::SearchLayout(titan->job, titan->fixed);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->best.layout.zero_stage, 3);

  r = Train("deepseek-v3", "h800", 2048);
  r.stack = "mindspeed";
  r.pp = 16;
  r.schedule = "dualpipe";
  EXPECT_TRUE(internal::BuildTrainJob(Cat(), r));  // MindSpeed has DualPipe(V)
}

// Megatron-Core's FSDP (ZeRO 3) runs without a pipeline only (S4270, S4271), DeepSpeed's ZeRO 2
// and 3 likewise (S2621); torchtitan runs FSDP with pipeline stages. The search within a stack,
// the stack-less answer and the stacks said to run it keep to that: DeepSeek-V3 on 2,048 H800
// (which DeepSeek trained with pp 16 and ZeRO-1, S4134) is answered on Megatron-Core with a
// pipeline and ZeRO 0 or 1, or without a pipeline.
TEST(Stacks, FsdpUnderAPipelineOnlyWhereTheStackRunsIt) {
  for (const char* id : {"megatron-core", "deepspeed"}) {
    TrainRequest r = Train("llama-3-70b", "h100", 256);
    r.stack = id;
    r.zero = 3;
    auto setup = internal::BuildTrainJob(Cat(), r);
    ASSERT_TRUE(setup) << setup.error().ToString();
    auto s = perf::SearchLayout(setup->job, setup->fixed);
    ASSERT_TRUE(s) << id << ": " << s.error().message;
    EXPECT_EQ(s->best.layout.pp, 1) << id;  // ZeRO 3 asked: no pipeline
    r.zero.reset();
    setup = internal::BuildTrainJob(Cat(), r);
    ASSERT_TRUE(setup) << setup.error().ToString();
    s = perf::SearchLayout(setup->job, setup->fixed);
    ASSERT_TRUE(s) << id << ": " << s.error().message;
    if (s->best.layout.pp > 1) {
      EXPECT_LE(s->best.layout.zero_stage, 1) << id;
    }
  }
  TrainRequest r = Train("llama-3-70b", "h100", 256);
  r.stack = "torchtitan-fsdp2";
  r.zero = 3;
  r.pp = 8;
  EXPECT_TRUE(internal::BuildTrainJob(Cat(), r));  // torchtitan: FSDP with pipeline stages

  static const Engine e = *Engine::Open({});
  TrainRequest dsv3 = Train("deepseek-v3", "h800", 2048);
  dsv3.tokens = 14.8e12;
  auto out = e.Train(dsv3, {Format::kJson, nullptr});
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  if (j["parallel"]["pp"].get<int>() > 1) {
    EXPECT_LE(j["parallel"]["zero_stage"].get<int>(), 1) << j["parallel"];
  }
  // megatron-core-26 runs on Blackwell only (data/stacks.yaml runs_on), so an H800 answer names
  // the 2025 release.
  EXPECT_EQ(j["stacks_running_it"], nlohmann::json::array({"megatron-core"})) << j["stack_basis"];
}

// DeepSeek-V3 was pre-trained with DualPipe on DeepSeek's own software (arXiv 2412.19437 sec.
// 3.2, S4134). A request with no --schedule is answered with what a catalogued stack runs, and
// says that the model's own schedule is another and who runs it: on NVIDIA no catalogued stack
// (Megatron-Core has no DualPipe, S1330), on Ascend MindSpeed (DualPipeV). --schedule dualpipe
// then prices DeepSeek's run: its 2.664M H800-hours for 14.8T tokens on 2,048 H800 are
// 2.664e6 / 2048 / 24 = 54.2 days (S3359), which the model's days (before its error band) meet
// within 15 %. A model with no catalogued schedule says nothing.
TEST(Stacks, AModelPreTrainedWithAnotherScheduleSaysWhoRunsIt) {
  static const Engine e = *Engine::Open({});
  auto run = [](TrainRequest r) {
    r.tokens = 14.8e12;
    auto out = e.Train(r, {Format::kJson, nullptr});
    EXPECT_TRUE(out) << out.error().ToString();
    return out ? nlohmann::json::parse(out->body) : nlohmann::json::object();
  };
  auto basis = [](const nlohmann::json& j) { return j.value("schedule_basis", std::string()); };
  const auto h800 = run(Train("deepseek-v3", "h800", 2048));
  EXPECT_NE(h800["parallel"]["schedule"], "dualpipe");
  EXPECT_NE(basis(h800).find("pre-trained with dualpipe"), std::string::npos) << basis(h800);
  EXPECT_NE(basis(h800).find("none of the chip's catalogued stacks (megatron-core"),
            std::string::npos)
      << basis(h800);
  EXPECT_NE(basis(h800).find("--schedule dualpipe"), std::string::npos) << basis(h800);

  TrainRequest dual = Train("deepseek-v3", "h800", 2048);
  dual.schedule = "dualpipe";
  const auto priced = run(dual);
  EXPECT_EQ(priced["parallel"]["schedule"], "dualpipe");
  EXPECT_EQ(basis(priced), "");
  const double published_days = 2.664e6 / 2048 / 24;  // 54.2
  EXPECT_NEAR(priced["train_days"].get<double>() / published_days, 1.0, 0.15)
      << priced["train_days"];

  // With no stack named the search runs no DualPipe unless asked (AssumeAStack), so on Ascend
  // the answer names the stack that would.
  const auto ascend = run(Train("deepseek-v3", "ascend-910b", 2048));
  EXPECT_NE(ascend["parallel"]["schedule"], "dualpipe");
  EXPECT_NE(basis(ascend).find("mindspeed runs dualpipe: --schedule dualpipe prices it"),
            std::string::npos)
      << basis(ascend);
  EXPECT_EQ(basis(run(Train("llama-3-70b", "h800", 256))), "");
}

// A request that names no stack is answered with a layout and recipe one of the chip's stacks
// runs (data/stacks.yaml runs_on), and says which.
TEST(Stacks, WithoutAStackTheAnswerNamesOneThatRunsIt) {
  static const Engine e = *Engine::Open({});
  auto run = [&](const TrainRequest& r) {
    auto out = e.Train(r, {Format::kJson, nullptr});
    EXPECT_TRUE(out) << out.error().ToString();
    return out ? nlohmann::json::parse(out->body) : nlohmann::json{};
  };
  // Qwen3-30B-A3B on 16 910B: FSDP with EP and no pipeline, which MindSpeed-LLM's FSDP2 backend
  // runs (its Megatron-Core backend has ZeRO 0 and 1 only).
  TrainRequest r = Train("qwen3-30b-a3b", "ascend-910b", 16);
  r.seq_len = 4096;
  r.global_batch_tokens = 256.0 * 4096;
  auto j = run(r);
  EXPECT_EQ(j["parallel"]["zero_stage"], 3);
  EXPECT_EQ(j["parallel"]["pp"], 1);
  EXPECT_EQ(j["stacks_running_it"], nlohmann::json::array({"mindspeed-fsdp2"}));
  EXPECT_EQ(j["stack_basis"], "the searched layout and recipe");
  // ZeRO 2 asked on Ascend: MindSpeed's Megatron-Core backend has no ZeRO 2 and its FSDP2 backend
  // no pipeline; the searched layout is kept and the answer says no stack takes it.
  r.zero = 2;
  j = run(r);
  EXPECT_NE(j["stack_basis"].get<std::string>().find(
                "none of the chip's catalogued stacks (mindspeed, mindspeed-fsdp2) takes"),
            std::string::npos)
      << j["stack_basis"];
  EXPECT_TRUE(j["stacks_running_it"].empty());
  // A chip with no catalogued stack says so.
  j = run(Train("llama-3-8b", "mi300x", 8));
  EXPECT_NE(j["stack_basis"].get<std::string>().find("no catalogued training stack runs on AMD"),
            std::string::npos)
      << j["stack_basis"];
  // A named stack is not second-guessed.
  r = Train("llama-3-8b", "h100", 64);
  r.stack = "megatron-core";
  j = run(r);
  EXPECT_FALSE(j.contains("stack_basis"));
  // The FSDP2 backend has no pipeline: a pp flag is an error naming it.
  r = Train("llama-3-8b", "ascend-910b", 16);
  r.stack = "mindspeed-fsdp2";
  r.pp = 2;
  auto bad = internal::BuildTrainJob(Cat(), r);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "pp");
}

// Per-module recomputation drops exactly what the module stores. Llama 3 8B on one chip's worth
// of layout (tp 1, pp 1, micro-batch 1, seq 8,192): per layer and token the norms keep 2 x 2h
// bytes (2 x 8,192 = 16,384), the SwiGLU MLP 6 x 14,336 = 86,016 bytes. Over 32 layers and 8,192
// tokens that is 32 x 8,192 x 16,384 B = 4 GiB for layernorm and 21 GiB for mlp.
TEST(Stacks, RecomputeModulesDropWhatTheyStore) {
  constexpr double kGiB = 1024.0 * 1024 * 1024;
  auto activations = [&](const char* modules, const char* recompute) {
    TrainRequest r = Train("llama-3-8b", "h100", 8);
    r.seq_len = 8192;
    r.global_batch_tokens = 8.0 * 8192;
    r.tp = 1;
    r.pp = 1;
    r.dp = 8;
    r.zero = 2;  // fits without recomputation: 15.0 + 3.7 + 11.2 + 34 + 7.8 (logits) + 4 GiB
    r.micro_batch = 1;
    r.recompute = recompute;
    if (*modules != '\0') r.recompute_modules = {modules};
    auto setup = internal::BuildTrainJob(Cat(), r);
    EXPECT_TRUE(setup) << setup.error().ToString();
    auto e = perf::SearchLayout(setup->job, setup->fixed);
    EXPECT_TRUE(e) << e.error().message;
    return e->best.memory.activations_gib * kGiB;
  };
  const double none = activations("", "none");
  EXPECT_NEAR(none - activations("layernorm", ""), 4 * kGiB, 1e-3 * kGiB);
  EXPECT_NEAR(none - activations("mlp", ""), 21 * kGiB, 1e-3 * kGiB);
  EXPECT_NEAR(none - activations("layernorm,mlp", "selective"), 25 * kGiB, 1e-3 * kGiB);
}

// Overlap hides communication; never makes it larger.
TEST(Stacks, OverlapHidesCommunication) {
  TrainRequest r = Train("llama-2-70b", "a100", 2048);
  r.seq_len = 4096;
  r.global_batch_tokens = 1024.0 * 4096;
  r.tp = 8;
  r.pp = 4;
  r.zero = 1;
  r.micro_batch = 1;
  r.interleave = 1;
  r.recompute = "selective";
  auto run = [&](const char* dp, const char* tp) {
    TrainRequest q = r;
    q.dp_overlap = dp;
    q.tp_comm_overlap = tp;
    auto setup = internal::BuildTrainJob(Cat(), q);
    EXPECT_TRUE(setup) << setup.error().ToString();
    auto e = perf::SearchLayout(setup->job, setup->fixed);
    EXPECT_TRUE(e) << e.error().message;
    return e->best.time;
  };
  const auto off = run("off", "off");
  const auto calibrated = run("", "");
  const auto on = run("on", "on");
  // The calibrated overlap (training.dp_overlap 0, fitted on Llama 2) is no overlap.
  EXPECT_DOUBLE_EQ(calibrated.dp_comm_s, off.dp_comm_s);
  EXPECT_GT(off.dp_comm_s, 0);
  EXPECT_LT(on.dp_comm_s, off.dp_comm_s);
  EXPECT_GT(off.tp_comm_s, 0);
  EXPECT_LT(on.tp_comm_s, off.tp_comm_s);
}

// --moe-force-load-balancing (Megatron's --moe-router-force-load-balancing, S4450) reaches the
// job as random routing, by its own name and Megatron's; anything but on/off is refused naming
// the field.
TEST(Stacks, ForcedLoadBalancingIsRandomRouting) {
  TrainRequest r = Train("qwen3-30b-a3b", "h100", 16);
  auto setup = internal::BuildTrainJob(Cat(), r);
  ASSERT_TRUE(setup) << setup.error().ToString();
  EXPECT_FALSE(setup->job.software.moe_random_routing);
  r.moe_force_load_balancing = "on";
  setup = internal::BuildTrainJob(Cat(), r);
  ASSERT_TRUE(setup) << setup.error().ToString();
  EXPECT_TRUE(setup->job.software.moe_random_routing);
  r.moe_force_load_balancing = "sometimes";
  setup = internal::BuildTrainJob(Cat(), r);
  ASSERT_FALSE(setup);
  EXPECT_NE(setup.error().field.find("moe_force_load_balancing"), std::string::npos)
      << setup.error().ToString();
}

// Without uneven stages the layers must split evenly; MTP layers off shorten the last stage.
TEST(Stacks, EvenStagesAndMtp) {
  TrainRequest r = Train("llama-3-405b", "h100", 16384);
  r.seq_len = 8192;
  r.global_batch_tokens = 16e6;
  r.tp = 8;
  r.pp = 16;
  r.uneven_stages = "off";
  auto setup = internal::BuildTrainJob(Cat(), r);
  ASSERT_TRUE(setup) << setup.error().ToString();
  auto e = perf::SearchLayout(setup->job, setup->fixed);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("do not split evenly"), std::string::npos) << e.error().message;

  TrainRequest d = Train("deepseek-v3", "h800", 2048);
  d.dtype = "fp8";
  d.seq_len = 4096;
  d.global_batch_tokens = 15360.0 * 4096;
  d.tp = 1;
  d.pp = 16;
  d.dp = 128;
  d.ep = 64;
  d.zero = 1;
  d.schedule = "dualpipe";
  d.recompute = "full";
  d.micro_batch = 1;
  d.emit = "megatron";
  auto run = [&](const char* mtp) {
    TrainRequest q = d;
    q.mtp = mtp;
    auto s = internal::BuildTrainJob(Cat(), q);
    EXPECT_TRUE(s) << s.error().ToString();
    auto est = perf::SearchLayout(s->job, s->fixed);
    EXPECT_TRUE(est) << est.error().message;
    auto launch = report::LaunchFor("megatron", s->job, est->best);
    EXPECT_TRUE(launch) << launch.error().message;
    const bool flag = std::find(launch->args.begin(), launch->args.end(), "--mtp-num-layers 1") !=
                      launch->args.end();
    return std::pair{est->best.step_time_s, flag};
  };
  const auto on = run("on");
  const auto off = run("off");
  EXPECT_LE(off.first, on.first);  // the MTP module sits on the last stage
  EXPECT_TRUE(on.second);
  EXPECT_FALSE(off.second);
  // A stack without MTP refuses --mtp on for a model that has MTP layers.
  d.stack = "megatron-2021";
  d.emit.clear();
  d.dtype.clear();  // bf16: megatron-2021 has no FP8
  d.mtp = "on";
  auto refused = internal::BuildTrainJob(Cat(), d);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "mtp");
}

// Activation offload as Megatron-Bridge's 25.11 recipe runs Llama 3 70B on 64 GB200 (FSDP,
// micro-batch 2 of 8,192 tokens, cpu_offloading_num_layers=40). The recipe needs no
// recomputation, which the model does not fit yet (it keeps bf16 GEMM inputs where Transformer
// Engine keeps FP8 ones); with selective recomputation the setup fits only with the offload.
// Offloading 40 of 80 layers frees 39 layers' activations (the layer in transit keeps its
// buffer); the copies take each layer's stored bytes over GB200's 225 GB/s host link, and at
// most that much of them shows.
TEST(Stacks, ActivationOffloadFreesMemoryAndCostsItsCopies) {
  constexpr double kGiB = 1024.0 * 1024 * 1024;
  TrainRequest r = Train("llama-3-70b", "gb200", 64);
  r.seq_len = 8192;
  r.global_batch_tokens = 256.0 * 8192;
  r.precision = "fp8-current";
  r.stack = "megatron-core";
  r.tp = 1;
  r.pp = 1;
  r.cp = 1;
  r.micro_batch = 2;
  r.zero = 3;
  r.recompute = "selective";
  r.emit = "megatron";
  auto run = [&](int layers) {
    TrainRequest q = r;
    q.offload_layers = layers;
    auto s = internal::BuildTrainJob(Cat(), q);
    EXPECT_TRUE(s) << s.error().ToString();
    perf::ParallelLayout l{1, 1, 64, 1, 1, 3, 2, 1, perf::Recompute::kSelective};
    auto e = perf::EstimateLayout(s->job, l);
    EXPECT_TRUE(e) << e.error().message;
    auto launch = report::LaunchFor("megatron", s->job, *e);
    EXPECT_TRUE(launch) << launch.error().message;
    const bool flag = std::find(launch->args.begin(), launch->args.end(),
                                "--cpu-offloading-num-layers 40") != launch->args.end();
    return std::pair{*e, flag};
  };
  const auto [kept, kept_flag] = run(0);
  const auto [off, off_flag] = run(40);
  EXPECT_FALSE(kept.fits);
  EXPECT_TRUE(off.fits) << off.memory.total();
  EXPECT_FALSE(kept_flag);
  EXPECT_TRUE(off_flag);
  // Per micro-batch the last (only) stage also keeps the fp32 logits and their gradient:
  // 16,384 tokens x 128,256 vocabulary x 8 bytes.
  const double logits = 16384.0 * 128256 * 8;
  const double per_layer = (kept.memory.activations_gib * kGiB - logits) / 80;
  EXPECT_NEAR((kept.memory.activations_gib - off.memory.activations_gib) * kGiB, 39 * per_layer,
              1e-6 * per_layer);
  const double copy_s = 40 * per_layer / 225e9;  // one direction, per micro-batch
  EXPECT_EQ(kept.time.offload_s, 0);
  EXPECT_GE(off.time.offload_s, 0);
  EXPECT_LE(off.time.offload_s, kept.micro_batches * 2 * copy_s + 1e-12);
  EXPECT_NEAR(off.step_time_s - kept.step_time_s, off.time.offload_s, 1e-9);

  // A chip whose host link the catalog does not know cannot offload; nor a negative count.
  TrainRequest a = Train("llama-3-70b", "b200", 64);
  a.offload_layers = 8;
  auto no_link = internal::BuildTrainJob(Cat(), a);
  ASSERT_FALSE(no_link);
  EXPECT_EQ(no_link.error().field, "offload_layers");
  EXPECT_NE(no_link.error().message.find("host_link_gb_s"), std::string::npos);
  a.chip = "h100";
  a.offload_layers = -1;
  auto negative = internal::BuildTrainJob(Cat(), a);
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().field, "offload_layers");
}

// torchtitan's selective_ac_option (S4183), read from its TOML file: op is the per-op policy
// (selective); a whole number N every Nth layer recomputed whole, the rest stored (full
// recomputation of 1 layer in N); left out, torchtitan's default 2; 1 every layer. --emit
// torchtitan prints the option priced; a value torchtitan refuses names file:line:key.
TEST(StackTest, TorchtitanSelectiveAcOption) {
  TrainRequest r;
  r.model = "llama-3.1-8b";
  r.chip = "h100";
  r.count = 16;
  r.tokens = 1e12;
  r.job_config_file = "llama3_8b.toml";
  auto build = [&](const std::string& ac) { return internal::BuildTrainJob(Cat(), r, ac); };
  auto option_printed = [&](const internal::TrainSetup& s) {
    auto est = perf::SearchLayout(s.job, s.fixed);
    EXPECT_TRUE(est) << est.error().message;
    auto launch = report::LaunchFor("torchtitan", s.job, est->best);
    EXPECT_TRUE(launch) << launch.error().message;
    std::string mode, option;
    for (const auto& a : launch->args) {
      if (a.rfind("--activation_checkpoint.mode ", 0) == 0) mode = a.substr(29);
      if (a.rfind("--activation_checkpoint.selective_ac_option ", 0) == 0) option = a.substr(44);
    }
    return mode + "/" + option;
  };
  const std::string head =
      "[training]\nseq_len = 8192\nlocal_batch_size = 1\n[activation_checkpoint]\n";
  auto op = build(head + "mode = \"selective\"\nselective_ac_option = \"op\"\n");
  ASSERT_TRUE(op) << op.error().ToString();
  EXPECT_EQ(op->fixed.recompute, perf::Recompute::kSelective);
  EXPECT_FALSE(op->fixed.recompute_every);
  EXPECT_EQ(option_printed(*op), "selective/op");
  auto dflt = build(head + "mode = \"selective\"\n");
  ASSERT_TRUE(dflt) << dflt.error().ToString();
  EXPECT_EQ(dflt->fixed.recompute, perf::Recompute::kFull);
  EXPECT_EQ(dflt->fixed.recompute_every.value_or(0), 2);
  EXPECT_EQ(option_printed(*dflt), "selective/2");
  auto four = build(head + "selective_ac_option = \"4\"\n");  // mode's default: selective
  ASSERT_TRUE(four) << four.error().ToString();
  EXPECT_EQ(four->fixed.recompute_every.value_or(0), 4);
  EXPECT_EQ(option_printed(*four), "selective/4");
  auto one = build(head + "mode = \"selective\"\nselective_ac_option = \"1\"\n");
  ASSERT_TRUE(one) << one.error().ToString();
  EXPECT_EQ(one->fixed.recompute, perf::Recompute::kFull);
  EXPECT_FALSE(one->fixed.recompute_every);
  EXPECT_EQ(option_printed(*one), "full/");
  // Under mode full torchtitan does not read the option.
  auto full = build(head + "mode = \"full\"\nselective_ac_option = \"two\"\n");
  ASSERT_TRUE(full) << full.error().ToString();
  EXPECT_EQ(full->fixed.recompute, perf::Recompute::kFull);
  EXPECT_FALSE(full->fixed.recompute_every);
  for (const char* bad : {"\"two\"", "\"-2\"", "\"\"", "2"}) {
    auto refused = build(head + "mode = \"selective\"\nselective_ac_option = " + bad + "\n");
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().file, "llama3_8b.toml") << bad;
    EXPECT_EQ(refused.error().line, 6) << bad;
    EXPECT_EQ(refused.error().field, "activation_checkpoint.selective_ac_option") << bad;
  }
}

// megatron-core-26 (data/stacks.yaml): Megatron-Bridge's 26.x GB300 MoE recipe as the card's row
// runs it (Qwen3-30B-A3B, 8 GB300, EP 8, 8 sequences of 4,096 a micro-batch, 512 a step: 8
// micro-batches, MXFP8), against megatron-core, by hand:
//  - full-iteration graphs: no host launch of the 16 local experts' kernels, 6 GEMMs and 4
//    one-kernel MXFP8 quantizations each at training.expert_kernel_host_us 30: 16 x 10 x 30 us x
//    48 MoE layers x 8 micro-batches = 1.8432 s;
//  - fused grouped MLP: 14 bytes (6 forward, 8 backward) per expert-FFN element of each routed
//    copy, 32,768 tokens x 768 x top-8 x 1.1 (training.moe_load_imbalance) x 14 x 48 x 8 =
//    1.19056e12 bytes at 8.0 TB/s x 0.7 (Blackwell memory_efficiency) = 0.2126 s.
// Compute falls by 2.0558 s. Under Combined 1F1B, HybridEP's rates at EP8 (703 dispatch, 733
// combine GB/s, training.ep_exchange_by_ep) replace DeepEP's 400 / 190: an exchange below its
// partner's compute costs the slowdown times its time, one alone its time, both in proportion to
// 1 / rate, so the exposed exchange is at most (1/703 + 2/733) / (1/400 + 2/190) = 0.3187 of
// DeepEP's (FP8 dispatch, BF16 combine: 1 and 2 bytes an element); less where DeepEP's slower
// exchange outlasts its partner and shows whole.
TEST(Stacks, MegatronCore26RunsTheMoeLayerWithoutTheHost) {
  TrainRequest r = Train("qwen3-30b-a3b", "gb300", 8);
  r.seq_len = 4096;
  r.global_batch_tokens = 512.0 * 4096;
  r.dtype = "fp8";
  r.precision = "mxfp8";
  r.grad_dtype = "bf16";
  r.tp = 1;
  r.pp = 1;
  r.cp = 1;
  r.dp = 8;
  r.ep = 8;
  r.micro_batch = 8;
  r.zero = 1;
  r.recompute = "none";
  auto run = [&](const char* stack, const char* overlap) {
    TrainRequest q = r;
    q.stack = stack;
    q.ep_a2a_overlap = overlap;
    auto setup = internal::BuildTrainJob(Cat(), q);
    EXPECT_TRUE(setup) << setup.error().ToString();
    auto e = perf::SearchLayout(setup->job, setup->fixed);
    EXPECT_TRUE(e) << e.error().message;
    return e->best;
  };
  auto setup = internal::BuildTrainJob(Cat(), [&] {
    TrainRequest q = r;
    q.stack = "megatron-core-26";
    return q;
  }());
  ASSERT_TRUE(setup) << setup.error().ToString();
  EXPECT_TRUE(setup->job.software.full_iteration_graphs);
  EXPECT_TRUE(setup->job.software.ep_overlap_hybridep);
  EXPECT_TRUE(setup->job.software.fused_grouped_mlp);
  EXPECT_DOUBLE_EQ(setup->job.software.ep_a2a_overlap_layer_host_s, 0);

  const auto old_plain = run("megatron-core", "off");
  const auto new_plain = run("megatron-core-26", "off");
  EXPECT_EQ(old_plain.micro_batches, 8);
  // Host launches and SwiGLU passes as below, and the 26 stack's MXFP8 attention, 0.204604 s by
  // hand (Stacks.Mxfp8AttentionRunsAtTheChipsMeasuredLaw).
  EXPECT_NEAR(old_plain.time.compute_s - new_plain.time.compute_s, 1.8432 + 0.2126 + 0.2046, 0.005);
  // Without the overlap the exchange is the dispatcher's, the same on both.
  EXPECT_NEAR(new_plain.time.ep_comm_s, old_plain.time.ep_comm_s, 1e-9);

  // The same stack's layer time with Combined 1F1B: DeepEP's rates (megatron-core-26 less its
  // HybridEP) against HybridEP's. megatron-core's own host floor would also bind here, so the
  // DeepEP side is the 26 stack with only ep_overlap_hybridep off (a catalog overlay).
  catalog::Catalog deepep = Cat();
  ASSERT_TRUE(
      deepep.MergeYaml("stacks:\n"
                       "  - id: megatron-core-26\n"
                       "    name: without HybridEP\n"
                       "    ep_a2a_overlap: true\n"
                       "    full_iteration_graphs: true\n"
                       "    fused_grouped_mlp: true\n"
                       "    fp8_attention: true\n"
                       "    schedules: [1f1b, interleaved]\n"
                       "    zero_stages: [0, 1, 3]\n"
                       "    precisions: [mxfp8]\n"
                       "    runs_on: [NVIDIA]\n",
                       "overlay.yaml"));
  TrainRequest q = r;
  q.stack = "megatron-core-26";
  q.ep_a2a_overlap = "on";
  auto dsetup = internal::BuildTrainJob(deepep, q);
  ASSERT_TRUE(dsetup) << dsetup.error().ToString();
  auto on_deepep = perf::SearchLayout(dsetup->job, dsetup->fixed);
  ASSERT_TRUE(on_deepep) << on_deepep.error().message;
  const auto on_hybridep = run("megatron-core-26", "on");
  EXPECT_TRUE(on_hybridep.layout.ep_a2a_overlap);
  EXPECT_NEAR(on_hybridep.time.compute_s, on_deepep->best.time.compute_s, 1e-9);
  EXPECT_GT(on_deepep->best.time.ep_comm_s, 0);
  EXPECT_GT(on_hybridep.time.ep_comm_s, 0);
  EXPECT_LE(on_hybridep.time.ep_comm_s / on_deepep->best.time.ep_comm_s, 0.3187 * 1.01);
}

// FP8 dot-product attention under the 26.x recipes' MXFP8: on GB300 the attention runs at the
// chip's measured MXFP8 SDPA law, forward 0.180 ps a score + 0.115 ns a query row, backward
// 0.745 ps + 0.745 ns, in place of 16-bit flash attention at 0.45 of 2,500 TFLOPS (backward 2.5x
// the forward). The same stack without fp8_attention (an overlay) is the 16-bit side.
TEST(Stacks, Mxfp8AttentionRunsAtTheChipsMeasuredLaw) {
  catalog::Catalog bf16_attention = Cat();
  ASSERT_TRUE(
      bf16_attention.MergeYaml("stacks:\n"
                               "  - id: megatron-core-26\n"
                               "    name: 16-bit attention\n"
                               "    ep_a2a_overlap: true\n"
                               "    full_iteration_graphs: true\n"
                               "    ep_overlap_hybridep: true\n"
                               "    fused_grouped_mlp: true\n"
                               "    schedules: [1f1b, interleaved]\n"
                               "    zero_stages: [0, 1, 3]\n"
                               "    precisions: [bf16, mxfp8]\n"
                               "    runs_on: [NVIDIA]\n",
                               "overlay.yaml"));
  auto compute = [](const catalog::Catalog& cat, TrainRequest q) {
    q.stack = "megatron-core-26";
    q.ep_a2a_overlap = "off";
    auto setup = internal::BuildTrainJob(cat, q);
    EXPECT_TRUE(setup) << setup.error().ToString();
    auto e = perf::SearchLayout(setup->job, setup->fixed);
    EXPECT_TRUE(e) << e.error().message;
    return e->best.time.compute_s;
  };
  auto request = [](const char* model, int chips, int ep, int micro_batch) {
    TrainRequest r = Train(model, "gb300", chips);
    r.seq_len = 4096;
    r.dtype = "fp8";
    r.precision = "mxfp8";
    r.grad_dtype = "bf16";
    r.tp = 1;
    r.pp = 1;
    r.cp = 1;
    r.dp = chips;
    r.ep = ep;
    r.micro_batch = micro_batch;
    r.zero = 1;
    r.recompute = "none";
    return r;
  };
  // Qwen3-30B-A3B as the card's row: 48 layers of 32 heads (128 + 128 wide), 8 micro-batches of
  // 8 x 4,096 tokens a GPU. A layer and micro-batch: 1,048,576 query rows over 2,048.5 keys each.
  // 16-bit: 32,768 x 2 x 32 x 256 x 2,048.5 = 1.09977e12 FLOPs at 1.125e15 = 0.977574 ms, 3.5x
  // with the backward = 3.421509 ms. MXFP8: 1,048,576 x (2,048.5 x 0.180 ps + 0.115 ns) = 0.507229
  // ms and 1,048,576 x (2,048.5 x 0.745 ps + 0.745 ns) = 2.381458 ms, 2.888687 ms. Saved: 0.532822
  // ms x 48 layers x 8 micro-batches = 0.204604 s.
  TrainRequest qwen = request("qwen3-30b-a3b", 8, 8, 8);
  qwen.global_batch_tokens = 512.0 * 4096;
  EXPECT_NEAR(compute(bf16_attention, qwen) - compute(Cat(), qwen), 0.204604, 0.002);
  // gpt-oss-120b as its row (64 GB300, EP 16, 5 micro-batches of 4 x 4,096): 36 layers of 64
  // heads 64 + 64 wide, every second one a 128-token window (126.0156 keys a query on average).
  // 16-bit: a layer's mean forward 16,384 x 2 x 64 x 128 x (2,048.5 + 126.0156) / 2 = 2.91859e11
  // FLOPs, 0.259430 ms, with the backward 0.908005 ms. MXFP8: forward 1,048,576 x (1,087.2578 x
  // 0.180 ps + 0.115 ns) = 0.325799 ms; the backward visits every causal tile of the windowed
  // layers as of the full ones, 2.381458 ms: 2.707257 ms. FP8 attention costs 1.799252 ms x 36 x
  // 5 = 0.323865 s more.
  TrainRequest oss = request("gpt-oss-120b", 64, 16, 4);
  oss.global_batch_tokens = 1280.0 * 4096;
  EXPECT_NEAR(compute(Cat(), oss) - compute(bf16_attention, oss), 0.323865, 0.003);
  // BF16 training on the same stack keeps 16-bit attention.
  TrainRequest bf16 = qwen;
  bf16.dtype = "bf16";
  bf16.precision = "bf16";
  bf16.grad_dtype = "";
  EXPECT_NEAR(compute(Cat(), bf16), compute(bf16_attention, bf16), 1e-9);
}

// GB200 has its own measured MXFP8 SDPA law (cuDNN 9.26 on GB200, same benchmark and shapes as
// GB300's): forward 0.240 ps a score + 0.144 ns a query row, backward 0.855 ps + 0.758 ns. The
// 26.08 GB200 gpt-oss recipe (EP 64, micro-batch 4, 1,280 sequences on 64 GPUs: 5 micro-batches)
// sets FP8 dot-product attention as GB300's does.
TEST(Stacks, Mxfp8AttentionOnGb200RunsAtItsOwnMeasuredLaw) {
  catalog::Catalog bf16_attention = Cat();
  ASSERT_TRUE(
      bf16_attention.MergeYaml("stacks:\n"
                               "  - id: megatron-core-26\n"
                               "    name: 16-bit attention\n"
                               "    ep_a2a_overlap: true\n"
                               "    full_iteration_graphs: true\n"
                               "    ep_overlap_hybridep: true\n"
                               "    fused_grouped_mlp: true\n"
                               "    schedules: [1f1b, interleaved]\n"
                               "    zero_stages: [0, 1, 3]\n"
                               "    precisions: [bf16, mxfp8]\n"
                               "    runs_on: [NVIDIA]\n",
                               "overlay.yaml"));
  auto compute = [](const catalog::Catalog& cat) {
    TrainRequest r = Train("gpt-oss-120b", "gb200", 64);
    r.seq_len = 4096;
    r.global_batch_tokens = 1280.0 * 4096;
    r.dtype = "fp8";
    r.precision = "mxfp8";
    r.grad_dtype = "bf16";
    r.tp = 1;
    r.pp = 1;
    r.cp = 1;
    r.dp = 64;
    r.ep = 64;
    r.micro_batch = 4;
    r.zero = 1;
    r.recompute = "none";
    r.stack = "megatron-core-26";
    r.ep_a2a_overlap = "off";
    auto setup = internal::BuildTrainJob(cat, r);
    EXPECT_TRUE(setup) << setup.error().ToString();
    auto e = perf::SearchLayout(setup->job, setup->fixed);
    EXPECT_TRUE(e) << e.error().message;
    return e->best.time.compute_s;
  };
  // A layer and micro-batch (1,048,576 query rows; keys 2,048.5 on the full layers, 126.0156 on
  // the 128-token windows, 1,087.2578 on average). 16-bit as on GB300 (same 2,500 TFLOPS):
  // 0.908005 ms. MXFP8 on GB200: forward 1,048,576 x (1,087.2578 x 0.240 ps + 0.144 ns) =
  // 0.424608 ms, backward over every causal key 1,048,576 x (2,048.5 x 0.855 ps + 0.758 ns) =
  // 2.631368 ms: 3.055976 ms (GB300's law: 2.707257). FP8 attention costs 2.147971 ms x 36
  // layers x 5 micro-batches = 0.386635 s more.
  EXPECT_NEAR(compute(Cat()) - compute(bf16_attention), 0.386635, 0.004);
}

}  // namespace
}  // namespace suanli::app
