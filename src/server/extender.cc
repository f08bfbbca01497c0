#include "server/extender.h"

#include <nlohmann/json.hpp>

#include <cmath>

#include "app/amount.h"
#include "core/text.h"

namespace suanli::server {
namespace {

using nlohmann::json;

// A member by name, any case (Go's encoding/json matches field names case-insensitively).
const json* Member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  const std::string want = ToLower(key);
  for (const auto& item : obj.items()) {
    if (ToLower(item.key()) == want && !item.value().is_null()) return &item.value();
  }
  return nullptr;
}

ApiResponse Reply(int status, const json& j) {
  ApiResponse r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  return r;
}

// Reads one object of `kind` with the kube importer (the scheduler sends no TypeMeta).
Result<sim::KubeCluster> ReadAs(const json& obj, const char* kind, sim::KubeCluster into) {
  // `Nodes.items` holding `true` threw nlohmann's type_error from operator[] (a 500).
  if (!obj.is_object()) {
    return MakeError(std::string("expected a ") + kind + " object",
                     std::string("ExtenderArgs.") + kind);
  }
  json copy = obj;
  copy["kind"] = kind;
  if (auto ok = sim::ReadKubeObjects(copy.dump(), std::string("ExtenderArgs.") + kind, &into);
      !ok) {
    return tl::unexpected(ok.error());
  }
  return into;
}

}  // namespace

ApiResponse HandleExtender(const app::Engine& engine, const sim::KubeCluster* snapshot,
                           const std::string& verb, const std::string& body) {
  const json args = json::parse(body, nullptr, false);
  if (args.is_discarded() || !args.is_object()) {
    return ErrorResponse(400, Error{"ExtenderArgs must be a JSON object"});
  }
  const json* pod_json = Member(args, "Pod");
  if (!pod_json || !pod_json->is_object()) {
    return ErrorResponse(400, Error{"ExtenderArgs has no Pod", "", 0, "Pod"});
  }
  auto with_pod = ReadAs(*pod_json, "Pod", {});
  if (!with_pod || with_pod->pods.empty()) {
    // A pod that finished is not scheduled; anything else unreadable is the caller's error.
    return ErrorResponse(400,
                         with_pod ? Error{"the Pod has finished", "", 0, "Pod"} : with_pod.error());
  }
  const sim::KubePod pod = with_pod->pods.front();

  // The candidate nodes: the full objects, or names looked up in the snapshot.
  std::vector<sim::KubeNode> nodes;
  std::vector<json> node_objects;
  const json* names = Member(args, "NodeNames");
  const json* list = Member(args, "Nodes");
  const bool by_name = names && names->is_array();
  if (by_name) {
    for (const auto& n : *names) {
      if (!n.is_string())
        return ErrorResponse(400, Error{"NodeNames must be strings", "", 0, "NodeNames"});
      sim::KubeNode node;
      node.name = n.get<std::string>();
      if (snapshot) {
        for (const auto& s : snapshot->nodes) {
          if (s.name == node.name) node = s;
        }
      }
      nodes.push_back(std::move(node));
    }
  } else if (list) {
    const json* items = Member(*list, "items");
    if (!items || !items->is_array()) {
      return ErrorResponse(400, Error{"Nodes must be a NodeList with items", "", 0, "Nodes"});
    }
    for (const auto& item : *items) {
      auto read = ReadAs(item, "Node", {});
      if (!read) return ErrorResponse(400, read.error());
      if (read->nodes.empty()) continue;
      nodes.push_back(read->nodes.front());
      node_objects.push_back(item);
    }
  } else {
    return ErrorResponse(400,
                         Error{"ExtenderArgs has neither Nodes nor NodeNames", "", 0, "Nodes"});
  }

  // Speeds of the pod's job on every type present that has the pod's accelerator resource: the
  // fastest of those scores 10. A type the pod cannot use (an Ascend node for a pod asking
  // nvidia.com/gpu) scores 0 and must not set the scale: a 910C serving the pod's model faster
  // scored the best NVIDIA node 6.
  std::vector<std::string> types;
  for (const auto& n : nodes) {
    if (!pod.resource.empty() && n.resource != pod.resource) continue;
    if (!n.gpu_type.empty() && std::find(types.begin(), types.end(), n.gpu_type) == types.end()) {
      types.push_back(n.gpu_type);
    }
  }
  // The job from the pod's annotations and command; without suanli.io/chips the job may hold
  // more accelerators than this pod (one pod a node), so memory rules no node out.
  app::JobHint hint;
  auto annotation = [&](const char* key) -> const std::string* {
    auto it = pod.annotations.find(key);
    return it == pod.annotations.end() ? nullptr : &it->second;
  };
  if (const auto* v = annotation("suanli.io/model")) hint.model = *v;
  hint.dtype.clear();
  if (const auto* v = annotation("suanli.io/dtype")) hint.dtype = *v;
  if (const auto* v = annotation("suanli.io/job")) hint.kind = *v;
  hint.command = pod.command;
  hint.chips = std::max(1, pod.gpus);
  hint.chips_are_the_job = false;
  if (const auto* v = annotation("suanli.io/chips")) {
    if (auto n = app::ParseWholeAmount(*v, "suanli.io/chips", 1, 10'000'000)) {
      hint.chips = static_cast<int>(*n);
      hint.chips_are_the_job = true;
    }
  }
  std::vector<app::TypeSpeed> speeds;
  if (!pod.resource.empty()) {
    auto s = engine.SpeedOfTypes(types, hint);
    // A wrong annotation must not block scheduling: fall back to peaks, and say so.
    if (!s) {
      hint.model.clear();
      hint.kind.clear();
      hint.dtype = "bf16";
      s = engine.SpeedOfTypes(types, hint);
    }
    if (s) speeds = std::move(*s);
  }
  auto speed_of = [&](const std::string& type) -> const app::TypeSpeed* {
    for (const auto& s : speeds) {
      if (s.type == type) return &s;
    }
    return nullptr;
  };
  // Why a node cannot take the pod's job, or "" when it can (or we cannot tell).
  auto unfit = [&](const sim::KubeNode& n) -> std::string {
    if (pod.resource.empty() || n.resource.empty()) return "";
    if (n.resource != pod.resource)
      return "no " + pod.resource + " on this node (it has " + n.resource + ")";
    if (const auto* s = speed_of(n.gpu_type); s && !s->can_run) return "suanli: " + s->reason;
    return "";
  };

  if (verb == "filter") {
    json passed_names = json::array();
    json passed_items = json::array();
    json failed = json::object();
    for (size_t i = 0; i < nodes.size(); ++i) {
      const std::string why = unfit(nodes[i]);
      if (!why.empty()) {
        failed[nodes[i].name] = why;
        continue;
      }
      passed_names.push_back(nodes[i].name);
      if (!by_name) passed_items.push_back(node_objects[i]);
    }
    json result = {{"NodeNames", by_name ? passed_names : json(nullptr)},
                   {"Nodes", by_name ? json(nullptr) : json{{"items", passed_items}}},
                   {"FailedNodes", failed},
                   {"FailedAndUnresolvableNodes", json::object()},
                   {"Error", ""}};
    return Reply(200, result);
  }
  // prioritize: 0..10 (MaxExtenderPriority), the fastest type 10.
  json priorities = json::array();
  for (const auto& n : nodes) {
    long score = 0;
    if (unfit(n).empty() && !pod.resource.empty() && n.resource == pod.resource) {
      if (const auto* s = speed_of(n.gpu_type)) score = std::lround(10 * s->relative);
    }
    priorities.push_back({{"Host", n.name}, {"Score", std::clamp(score, 0L, 10L)}});
  }
  return Reply(200, priorities);
}

}  // namespace suanli::server
