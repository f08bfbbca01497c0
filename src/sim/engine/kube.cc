#include "sim/engine/kube.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_keys.h"
#include "core/number.h"
#include "core/yaml_reader.h"

namespace suanli::sim {
namespace {

using nlohmann::json;

// Accelerator resources the device plugins publish. HAMi's gpumem/gpucores are shares of the
// nvidia.com/gpu it also requests, not accelerators of their own.
bool IsAcceleratorResource(const std::string& name) {
  if (name == "nvidia.com/gpu" || name == "amd.com/gpu") return true;
  if (name.rfind("huawei.com/Ascend", 0) == 0) {
    // huawei.com/Ascend910B3 is a card; huawei.com/Ascend910B3-memory is its memory.
    return name.find("-memory") == std::string::npos && name.find("-") == std::string::npos;
  }
  return name.rfind("cambricon.com/mlu", 0) == 0 && name.find("mem") == std::string::npos;
}

std::string Str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

const json& Child(const json& j, const char* key) {
  static const json kEmpty = json::object();
  const auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : kEmpty;
}

// A list field of an object: empty when absent or null, an error naming it when it is something
// else (`"containers": "x"` threw nlohmann's type_error through `value()`: an internal error, a 500
// over HTTP).
Result<const json*> ListOf(const json& j, const char* key, const std::string& where,
                           const std::string& field) {
  static const json kNone = json::array();
  if (!j.is_object()) return &kNone;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return &kNone;
  if (!it->is_array()) return MakeError("expected a list", where, 0, field);
  return &*it;
}

// A quantity field ("8" or 8) of an object; 0 when absent.
Result<double> QuantityOf(const json& map, const std::string& key, const std::string& where) {
  const auto it = map.find(key);
  if (it == map.end()) return 0.0;
  double v = 0;
  if (it->is_number()) {
    v = it->get<double>();
    if (v < 0) return MakeError("a quantity is not negative", where, 0, key);
  } else if (it->is_string()) {
    auto q = ParseKubeQuantity(it->get<std::string>());
    if (!q) return MakeError(q.error().message, where, 0, key);
    v = *q;
  } else {
    return MakeError("expected a quantity", where, 0, key);
  }
  // What is counted in whole numbers here: accelerators (an extended resource is an integer in
  // Kubernetes), CPUs in thousandths, memory in MiB. 1e12 GPUs wrapped to a negative count and
  // the node was dropped without a word; 4.5 GPUs were rounded to 5.
  if (IsAcceleratorResource(key) && (v != std::floor(v) || v > 1e6)) {
    return MakeError("expected a whole number of accelerators, at most 1,000,000", where, 0, key);
  }
  if (key == "cpu" && v > 1e6) return MakeError("more than a million CPUs", where, 0, key);
  if (key == "memory" && v > 0x1p50) return MakeError("more than 1 PiB of memory", where, 0, key);
  return v;
}

// The GPU product a node carries: the NVIDIA GPU feature discovery label, else the Ascend
// resource name, else the node's `accelerator` label.
std::string NodeGpuType(const json& labels, const std::string& resource) {
  for (const char* key : {"nvidia.com/gpu.product", "amd.com/gpu.product-name"}) {
    const std::string v = Str(labels, key);
    if (!v.empty()) return v;
  }
  if (resource.rfind("huawei.com/", 0) == 0) return resource.substr(11);
  const std::string accel = Str(labels, "accelerator");
  return accel.empty() ? resource : accel;
}

Result<void> ReadNode(const json& obj, const std::string& where, KubeCluster* c) {
  const json& meta = Child(obj, "metadata");
  const json& status = Child(obj, "status");
  const json& alloc = Child(status, "allocatable").empty() ? Child(status, "capacity")
                                                           : Child(status, "allocatable");
  KubeNode n;
  n.name = Str(meta, "name");
  if (n.name.empty()) return MakeError("a Node without metadata.name", where);
  for (const auto& item : alloc.items()) {
    if (!IsAcceleratorResource(item.key())) continue;
    auto v = QuantityOf(alloc, item.key(), where + ": node " + n.name);
    if (!v) return tl::unexpected(v.error());
    if (*v > 0) {
      n.resource = item.key();
      n.gpus = static_cast<int>(std::lround(*v));
      n.source = "device-plugin";
    }
  }
  auto cpu = QuantityOf(alloc, "cpu", where + ": node " + n.name);
  auto mem = QuantityOf(alloc, "memory", where + ": node " + n.name);
  if (!cpu) return tl::unexpected(cpu.error());
  if (!mem) return tl::unexpected(mem.error());
  n.cpu_milli = static_cast<int>(std::lround(*cpu * 1000));
  n.memory_mib = static_cast<int>(std::lround(*mem / (1024.0 * 1024.0)));
  const json& labels = Child(meta, "labels");
  // HAMi registers devices in an annotation: "uuid,count,mem,core,type,numa,healthy:..."
  const std::string hami = Str(Child(meta, "annotations"), "hami.io/node-nvidia-register");
  std::string hami_type;
  if (!hami.empty()) {
    int devices = 0;
    size_t start = 0;
    while (start < hami.size()) {
      size_t end = hami.find(':', start);
      if (end == std::string::npos) end = hami.size();
      const std::string dev = hami.substr(start, end - start);
      if (!dev.empty()) {
        ++devices;
        size_t f = 0;
        for (int i = 0; i < 4 && f != std::string::npos; ++i) f = dev.find(',', f + 1);
        if (f != std::string::npos) hami_type = dev.substr(f + 1, dev.find(',', f + 1) - f - 1);
      }
      start = end + 1;
    }
    // HAMi's device plugin advertises nvidia.com/gpu as devices x split count (10 by default):
    // the annotation has the real devices.
    if (devices > 0) {
      n.gpus = devices;
      n.resource = "nvidia.com/gpu";
      n.source = "hami";
    }
  }
  n.gpu_type = n.gpus > 0 ? NodeGpuType(labels, n.resource) : "";
  if (n.gpus > 0 && n.gpu_type == n.resource && !hami_type.empty()) n.gpu_type = hami_type;
  auto conditions = ListOf(status, "conditions", where + ": node " + n.name, "status.conditions");
  if (!conditions) return tl::unexpected(conditions.error());
  for (const auto& cond : **conditions) {
    if (Str(cond, "type") == "Ready") n.ready = Str(cond, "status") == "True";
  }
  const json& spec = Child(obj, "spec");
  if (const auto it = spec.find("unschedulable"); it != spec.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return MakeError("expected true or false", where + ": node " + n.name, 0,
                       "spec.unschedulable");
    }
    n.schedulable = !it->get<bool>();
  }
  // A node listed twice (two files): the later wins, as kubectl would show it now.
  for (auto& existing : c->nodes) {
    if (existing.name == n.name) {
      existing = n;
      return {};
    }
  }
  c->nodes.push_back(std::move(n));
  return {};
}

// Kubernetes expands $(VAR_NAME) in a container's command and args from the container's env; a
// reference it cannot resolve stays as written, and $$ is one $ (so $$(VAR) is the text $(VAR))
// (S4261). Helm charts launch `vllm serve $(MODEL)` or `--model_name_or_path $(MODEL_NAME)` so.
std::string ExpandKubeVars(std::string_view in, const std::map<std::string, std::string>& vars) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '$' || i + 1 == in.size()) {
      out += in[i];
    } else if (in[i + 1] == '$') {
      out += '$';
      ++i;
    } else if (const size_t close = in.find(')', i + 2); in[i + 1] == '(' && close != in.npos) {
      const auto it = vars.find(std::string(in.substr(i + 2, close - i - 2)));
      out += it != vars.end() ? std::string_view(it->second) : in.substr(i, close - i + 1);
      i = close;
    } else {
      out += '$';
    }
  }
  return out;
}

// A shell's `$NAME` and `${NAME}` in a script run by `sh -c`: the shell expands them from its
// environment, which is the container's env (S4361, S4362); also inside double quotes, not inside
// single quotes, nor after a backslash. A name not known here (from a secret, the image, or unset)
// stays as written, as does any other form (`${NAME:-word}`, `$1`, `$(cmd)`).
std::string ExpandShellVars(std::string_view in, const std::map<std::string, std::string>& vars) {
  auto name_char = [](char c, bool first) {
    return c == '_' || std::isalpha(static_cast<unsigned char>(c)) ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
  };
  std::string out;
  bool single = false, double_quoted = false;
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '\'' && !double_quoted) single = !single;
    if (c == '"' && !single) double_quoted = !double_quoted;
    if (single || c != '$' || i + 1 == in.size()) {
      out += c;
      if (!single && c == '\\' && i + 1 < in.size()) out += in[++i];
      continue;
    }
    const bool braced = in[i + 1] == '{';
    size_t start = i + (braced ? 2 : 1);
    size_t end = start;
    while (end < in.size() && name_char(in[end], end == start)) ++end;
    if (end == start || (braced && (end == in.size() || in[end] != '}'))) {
      out += c;
      continue;
    }
    const auto it = vars.find(std::string(in.substr(start, end - start)));
    const size_t last = braced ? end : end - 1;  // the reference's last character
    out += it != vars.end() ? std::string_view(it->second) : in.substr(i, last - i + 1);
    i = last;
  }
  return out;
}

// Whether `command[at]` is a shell's script: `sh -c SCRIPT`, `/bin/bash -lc SCRIPT`, `bash -ec`
// (the option word holding `c` takes the next word as the script).
bool IsShellScript(const std::vector<std::string>& command, size_t at) {
  if (command.empty() || at == 0) return false;
  const std::string& program = command.front();
  const std::string base = program.substr(program.rfind('/') + 1);
  if (base != "sh" && base != "bash" && base != "dash" && base != "ash" && base != "zsh" &&
      base != "ksh") {
    return false;
  }
  for (size_t i = 1; i < at; ++i) {
    const std::string& w = command[i];
    if (w.size() < 2 || w[0] != '-' || w[1] == '-') return false;
    if (w.find('c') != std::string::npos) return i + 1 == at;
  }
  return false;
}

// The container's variables with a literal value, in order: each value may use the ones before
// it (S4261). A value from a secret, config map or field (valueFrom) is not known here, so a
// reference to it stays unexpanded.
std::map<std::string, std::string> ContainerVars(const json& container) {
  std::map<std::string, std::string> vars;
  const auto env = container.find("env");
  if (env == container.end() || !env->is_array()) return vars;
  for (const auto& item : *env) {
    if (!item.is_object()) continue;
    const auto name = item.find("name");
    const auto value = item.find("value");
    if (name == item.end() || !name->is_string()) continue;
    if (value != item.end() && value->is_string()) {
      vars[name->get<std::string>()] = ExpandKubeVars(value->get<std::string>(), vars);
    } else {
      vars.erase(name->get<std::string>());
    }
  }
  return vars;
}

Result<void> ReadPod(const json& obj, const std::string& where, KubeCluster* c) {
  const json& meta = Child(obj, "metadata");
  const json& spec = Child(obj, "spec");
  KubePod p;
  p.name = Str(meta, "name");
  p.ns = Str(meta, "namespace");
  p.uid = Str(meta, "uid");
  p.node = Str(spec, "nodeName");
  p.phase = Str(Child(obj, "status"), "phase");
  if (p.phase == "Succeeded" || p.phase == "Failed") return {};
  const std::string at = where + ": pod " + p.ns + "/" + p.name;
  double gpumem = 0, gpucores = 0;
  auto containers = ListOf(spec, "containers", at, "spec.containers");
  if (!containers) return tl::unexpected(containers.error());
  for (const auto& container : **containers) {
    const json& res = Child(container, "resources");
    // Requests, else limits (extended resources must have equal ones).
    const json& req = Child(res, "limits").empty() ? Child(res, "requests") : Child(res, "limits");
    for (const auto& item : req.items()) {
      const std::string& key = item.key();
      auto v = QuantityOf(req, key, at);
      if (!v) return tl::unexpected(v.error());
      if (IsAcceleratorResource(key)) {
        if (p.resource.empty()) {
          const auto vars = ContainerVars(container);
          for (const char* part : {"command", "args"}) {
            auto words = ListOf(container, part, at, std::string("spec.containers[].") + part);
            if (!words) return tl::unexpected(words.error());
            for (const auto& word : **words) {
              if (word.is_string())
                p.command.push_back(ExpandKubeVars(word.get<std::string>(), vars));
            }
          }
          // Kubernetes expands $(VAR) before the shell runs; the shell then expands $VAR.
          for (size_t i = 0; i < p.command.size(); ++i) {
            if (IsShellScript(p.command, i)) p.command[i] = ExpandShellVars(p.command[i], vars);
          }
        }
        p.resource = key;
        p.gpus += static_cast<int>(std::lround(*v));
      } else if (key == "nvidia.com/gpumem") {
        gpumem += *v;
      } else if (key == "nvidia.com/gpucores") {
        gpucores += *v;
      }
    }
    const json& requests = Child(res, "requests");
    auto cpu = QuantityOf(requests, "cpu", at);
    auto mem = QuantityOf(requests, "memory", at);
    if (!cpu) return tl::unexpected(cpu.error());
    if (!mem) return tl::unexpected(mem.error());
    p.cpu_milli += static_cast<int>(std::lround(*cpu * 1000));
    p.memory_mib += static_cast<int>(std::lround(*mem / (1024.0 * 1024.0)));
  }
  // HAMi: gpucores is a percentage of one GPU's compute; it is the share the pod holds.
  if (p.gpus == 1 && gpucores > 0 && gpucores < 100) {
    p.gpu_milli = static_cast<int>(std::lround(gpucores * 10));
  }
  p.wanted_type = Str(Child(spec, "nodeSelector"), "nvidia.com/gpu.product");
  for (const auto& item : Child(meta, "annotations").items()) {
    if (item.value().is_string()) p.annotations[item.key()] = item.value().get<std::string>();
  }
  p.gpu_memory_mib = gpumem;
  c->pods.push_back(std::move(p));
  return {};
}

Result<void> ReadFlavorsAndQueues(const json& obj, const std::string& kind,
                                  const std::string& where, KubeCluster* c,
                                  std::map<std::string, std::string>* flavor_types) {
  const json& meta = Child(obj, "metadata");
  const json& spec = Child(obj, "spec");
  if (kind == "ResourceFlavor") {
    const json& labels = Child(spec, "nodeLabels");
    std::string type = Str(labels, "nvidia.com/gpu.product");
    if (type.empty()) type = Str(labels, "accelerator");
    (*flavor_types)[Str(meta, "name")] = type;
    return {};
  }
  // ClusterQueue: spec.resourceGroups[].flavors[].resources[{name, nominalQuota}].
  const std::string at = where + ": ClusterQueue " + Str(meta, "name");
  auto groups = ListOf(spec, "resourceGroups", at, "spec.resourceGroups");
  if (!groups) return tl::unexpected(groups.error());
  for (const auto& group : **groups) {
    auto flavors = ListOf(group, "flavors", at, "spec.resourceGroups[].flavors");
    if (!flavors) return tl::unexpected(flavors.error());
    for (const auto& flavor : **flavors) {
      auto resources = ListOf(flavor, "resources", at, "spec.resourceGroups[].flavors[].resources");
      if (!resources) return tl::unexpected(resources.error());
      for (const auto& r : **resources) {
        const std::string name = Str(r, "name");
        if (!IsAcceleratorResource(name)) continue;
        auto q = QuantityOf(r, "nominalQuota", at);
        if (!q) return tl::unexpected(q.error());
        c->quotas.push_back({Str(meta, "name"), Str(flavor, "name"), name, "", *q});
      }
    }
  }
  return {};
}

// DRA: one ResourceSlice lists the devices a driver publishes on one node.
Result<void> ReadResourceSlice(const json& obj, const std::string& where, KubeCluster* c) {
  const json& spec = Child(obj, "spec");
  const std::string node = Str(spec, "nodeName");
  const std::string driver = Str(spec, "driver");
  if (node.empty()) return {};
  int devices = 0;
  std::string type;
  auto list = ListOf(spec, "devices", where + ": ResourceSlice of node " + node, "spec.devices");
  if (!list) return tl::unexpected(list.error());
  for (const auto& d : **list) {
    // resource.k8s.io/v1beta1 nests attributes under `basic`; v1 has them on the device.
    const json& attrs = Child(Child(d, "basic").empty() ? d : Child(d, "basic"), "attributes");
    const std::string kind_attr = Str(Child(attrs, "type"), "string");
    if (!kind_attr.empty() && kind_attr != "gpu") continue;  // MIG slices, NICs
    ++devices;
    const std::string product = Str(Child(attrs, "productName"), "string");
    if (!product.empty()) type = product;
  }
  if (devices == 0) return {};
  for (auto& n : c->nodes) {
    if (n.name != node) continue;
    // A node whose GPUs a DRA driver publishes has none in its allocatable list.
    if (n.gpus == 0) {
      n.gpus = devices;
      n.gpu_type = type.empty() ? driver : type;
      n.resource = driver;
      n.source = "dra";
    }
    return {};
  }
  KubeNode n;
  n.name = node;
  n.gpus = devices;
  n.gpu_type = type.empty() ? driver : type;
  n.resource = driver;
  n.source = "dra";
  c->nodes.push_back(std::move(n));
  (void)where;
  return {};
}

// A YAML scalar as the JSON value it stands for: quoted text is a string (kubectl quotes every
// string that would read as something else: "8", "True"); a plain one is null, a bool, a number
// or else a string, as YAML 1.2's core schema resolves it, and as the same object in JSON has it.
json YamlScalarAsJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() != "?") return text;  // quoted, or tagged (!!str)
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  std::string_view digits = text;
  if (digits.front() == '+') digits.remove_prefix(1);
  int64_t whole = 0;
  if (auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), whole);
      ec == std::errc() && end == digits.data() + digits.size()) {
    return whole;
  }
  double value = 0;
  if (auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      ec == std::errc() && end == digits.data() + digits.size() && std::isfinite(value)) {
    return value;
  }
  return text;
}

// The YAML tree as JSON. `budget` counts the values made: an alias repeats its anchor's tree, so
// a few lines of aliases (a billion laughs) would expand without end; `kubectl get -o yaml` writes
// none, and a file's own values are fewer than its bytes.
bool YamlAsJson(const YAML::Node& node, json* out, size_t* budget) {
  if (*budget == 0) return false;
  --*budget;
  if (node.IsScalar()) {
    *out = YamlScalarAsJson(node);
  } else if (node.IsSequence()) {
    *out = json::array();
    for (const auto& item : node) {
      json v;
      if (!YamlAsJson(item, &v, budget)) return false;
      out->push_back(std::move(v));
    }
  } else if (node.IsMap()) {
    *out = json::object();
    for (const auto& kv : node) {
      json v;
      if (!YamlAsJson(kv.second, &v, budget)) return false;
      (*out)[kv.first.Scalar()] = std::move(v);
    }
  } else {
    *out = nullptr;
  }
  return true;
}

// `kubectl get nodes,pods -o yaml`: the same List as `-o json`, written as YAML (one document).
Result<json> ReadKubeYaml(std::string_view text, const std::string& file) {
  YAML::Node root;
  try {
    root = YamlReader(file).Parse(text);
  } catch (const YamlFailure& f) {
    Error e = f.error;
    e.message += " (expected `kubectl get ... -o json` or `-o yaml` output)";
    return tl::unexpected(e);
  }
  json doc;
  size_t budget = text.size() + 16;
  if (!YamlAsJson(root, &doc, &budget)) {
    return MakeError(
        "its aliases expand to more values than the file has bytes; `kubectl get -o yaml` writes "
        "none (expected `kubectl get ... -o json` or `-o yaml` output)",
        file);
  }
  return doc;
}

}  // namespace

Result<double> ParseKubeQuantity(std::string_view q) {
  // Binary suffixes first: "Mi" must not be read as "M" followed by "i".
  static constexpr NumberSuffix kSuffixes[] = {{"Ki", 1024.0},
                                               {"Mi", 1048576.0},
                                               {"Gi", 1073741824.0},
                                               {"Ti", 1099511627776.0},
                                               {"Pi", 1125899906842624.0},
                                               {"Ei", 1152921504606846976.0},
                                               {"n", 1e-9},
                                               {"u", 1e-6},
                                               {"m", 1e-3},
                                               {"k", 1e3},
                                               {"M", 1e6},
                                               {"G", 1e9},
                                               {"T", 1e12},
                                               {"P", 1e15},
                                               {"E", 1e18}};
  const ScaledNumber n = ParseScaledNumber(q, kSuffixes);
  if (n.status != NumberStatus::kOk || n.value < 0) {
    return MakeError("'" + std::string(q.substr(0, 40)) + "' is not a Kubernetes quantity");
  }
  return n.value;
}

Result<void> ReadKubeObjects(std::string_view json_text, const std::string& file,
                             KubeCluster* into) {
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    // JSON starts with { or [; anything else is read as `kubectl get -o yaml`'s YAML.
    const size_t first = json_text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || json_text[first] == '{' || json_text[first] == '[') {
      Error e = JsonSyntaxError(json_text, "the file");
      e.file = file;
      e.message += " (expected `kubectl get ... -o json` or `-o yaml` output)";
      return tl::unexpected(e);
    }
    auto yaml = ReadKubeYaml(json_text, file);
    if (!yaml) return tl::unexpected(yaml.error());
    doc = std::move(*yaml);
  }
  std::vector<const json*> objects;
  if (doc.is_object() && doc.contains("items") && doc["items"].is_array()) {
    for (const auto& item : doc["items"]) objects.push_back(&item);
  } else if (doc.is_object()) {
    // kubectl prints every object with its kind: one without is no Kubernetes output (a
    // package.json, a metrics dump), which read as "1 of other kinds ignored" and an empty
    // cluster with exit 0.
    if (Str(doc, "kind").empty()) {
      return MakeError(
          "not Kubernetes output: the object has no kind and no items (expected `kubectl get "
          "nodes,pods -o json` or `-o yaml` output)",
          file);
    }
    objects.push_back(&doc);
  } else {
    return MakeError(
        "expected a Kubernetes object or a List (`kubectl get nodes,pods -o json` or `-o yaml`)",
        file);
  }
  std::map<std::string, std::string> flavor_types;
  for (size_t i = 0; i < objects.size(); ++i) {
    const json& obj = *objects[i];
    if (!obj.is_object()) return MakeError("item " + std::to_string(i) + " is not an object", file);
    const std::string kind = Str(obj, "kind");
    const std::string where = file + ": items[" + std::to_string(i) + "]";
    if (kind.empty()) {
      return MakeError("has no kind (kubectl prints each object's kind: Node, Pod, ...)", where, 0,
                       "kind");
    }
    Result<void> ok;
    if (kind == "Node") {
      ok = ReadNode(obj, where, into);
    } else if (kind == "Pod") {
      ok = ReadPod(obj, where, into);
    } else if (kind == "ResourceFlavor" || kind == "ClusterQueue") {
      ok = ReadFlavorsAndQueues(obj, kind, where, into, &flavor_types);
    } else if (kind == "ResourceSlice") {
      ok = ReadResourceSlice(obj, where, into);
    } else {
      ++into->objects_ignored;
      continue;
    }
    if (!ok) return ok;
    ++into->objects_read;
  }
  for (auto& q : into->quotas) {
    // huawei.com/Ascend910B3 names its card itself, more precisely than a flavor's labels.
    if (q.resource.rfind("huawei.com/", 0) == 0) q.gpu_type = q.resource.substr(11);
    if (q.gpu_type.empty() && flavor_types.contains(q.flavor)) q.gpu_type = flavor_types[q.flavor];
  }
  return {};
}

std::vector<Node> KubeSimNodes(const KubeCluster& c) {
  std::vector<Node> nodes;
  for (const auto& n : c.nodes) {
    if (n.gpus <= 0 || !n.ready || !n.schedulable) continue;
    Node s;
    s.id = static_cast<int>(nodes.size());
    s.type = n.gpu_type;
    s.gpus = n.gpus;
    nodes.push_back(s);
  }
  return nodes;
}

std::vector<Job> KubeRunningJobs(const KubeCluster& c, std::optional<double> unknown_hold_s,
                                 long* without_end) {
  *without_end = 0;
  std::vector<Job> jobs;
  for (const auto& p : c.pods) {
    if (p.resource.empty() || p.node.empty()) continue;
    const auto node = std::find_if(c.nodes.begin(), c.nodes.end(),
                                   [&](const auto& n) { return n.name == p.node; });
    if (node == c.nodes.end() || node->gpus <= 0 || !node->ready || !node->schedulable) continue;
    std::optional<double> hold;
    if (auto it = p.annotations.find("suanli.io/remaining-s"); it != p.annotations.end()) {
      const ScaledNumber n = ParseScaledNumber(it->second, {});
      if (n.status == NumberStatus::kOk && n.value > 0) hold = n.value;
    }
    if (!hold) {
      ++*without_end;
      hold = unknown_hold_s;
    }
    if (!hold) continue;
    Job j;
    j.id = static_cast<int64_t>(jobs.size()) + 1;
    j.name = p.ns + "/" + p.name;
    j.num_gpus = p.gpus;
    j.gpu_milli = p.gpu_milli;
    j.allowed_types = {node->gpu_type};
    j.duration_s["*"] = *hold;
    jobs.push_back(std::move(j));
  }
  return jobs;
}

int64_t KubeFreeMilli(const KubeCluster& c, const KubeNode& node) {
  int64_t used = 0;
  for (const auto& p : c.pods) {
    if (p.node == node.name && !p.resource.empty()) {
      used += static_cast<int64_t>(p.gpus) * p.gpu_milli;
    }
  }
  return std::max<int64_t>(0, static_cast<int64_t>(node.gpus) * kMilliPerGpu - used);
}

}  // namespace suanli::sim
