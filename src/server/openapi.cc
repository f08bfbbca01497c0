// The OpenAPI 3 document, from the same field lists the CLI makes its flags from.
#include <nlohmann/json.hpp>

#include "app/engine.h"
#include "app/requests.h"
#include "server/api.h"

namespace suanli::server {
namespace {

using nlohmann::json;

json Schema(app::FieldKind kind) {
  // Numbers also come as text in the amount syntax ("16M", "15T", "4Mi").
  const json amount_text = {{"type", "string"}, {"example", "16M"}};
  switch (kind) {
    case app::FieldKind::kBool:
      return {{"type", "boolean"}};
    case app::FieldKind::kInteger:
      return {{"oneOf", json::array({{{"type", "integer"}}, amount_text})}};
    case app::FieldKind::kNumber:
      return {{"oneOf", json::array({{{"type", "number"}}, amount_text})}};
    case app::FieldKind::kList:
      return {{"oneOf", json::array({{{"type", "array"}, {"items", {{"type", "string"}}}},
                                     {{"type", "string"}, {"description", "comma-separated"}}})}};
    case app::FieldKind::kString:
      break;
  }
  return {{"type", "string"}};
}

template <typename Request>
json RequestSchema(const std::vector<app::Field<Request>>& fields) {
  json properties = json::object();
  json required = json::array();
  for (const auto& f : fields) {
    if (f.cli_only) continue;
    json s = Schema(f.kind);
    s["description"] = f.help;
    properties[f.name] = s;
    if (f.required) required.push_back(f.name);
    for (const auto& alias : f.aliases) {
      json a = Schema(f.kind);
      a["description"] = "the same as " + f.name + " (the name frameworks use); give one of them";
      properties[alias] = a;
    }
  }
  json schema = {{"type", "object"}, {"additionalProperties", false}, {"properties", properties}};
  if (!required.empty()) schema["required"] = required;
  return schema;
}

json Responses(const std::string& what) {
  return {{"200",
           {{"description", what + " (the same object as the CLI's --json)"},
            {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}}},
          {"400", {{"$ref", "#/components/responses/BadRequest"}}},
          {"401", {{"$ref", "#/components/responses/Unauthorized"}}}};
}

json Post(const std::string& summary, json schema, bool heavy) {
  json op = {{"summary", summary},
             {"requestBody",
              {{"required", true}, {"content", {{"application/json", {{"schema", schema}}}}}}},
             {"responses", Responses(summary)}};
  op["responses"]["413"] = {{"description", "request body over the size limit"}};
  if (heavy) {
    op["responses"]["503"] = {
        {"description",
         "too many forecast, replay or simulation requests at once; see Retry-After"}};
  }
  return {{"post", op}};
}

json Get(const std::string& summary) {
  return {{"get", {{"summary", summary}, {"responses", Responses(summary)}}}};
}

}  // namespace

std::string Api::OpenApi() {
  json paths;
  paths["/v1/train"] = Post("time, cost and best parallel layout to train a model",
                            RequestSchema(app::TrainFields()), false);
  paths["/v1/infer"] = Post(
      "serving throughput, latency and cost per chip; simulated request by request unless "
      "mode is analytic (then it may answer 503 when busy)",
      RequestSchema(app::InferFields()), true);
  json forecast = RequestSchema(app::ForecastFields());
  forecast["properties"]["scenario"] = {
      {"description",
       "a built-in scenario name (GET /v1/scenarios) or the scenario itself as a JSON object"},
      {"oneOf", json::array({{{"type", "string"}}, {{"type", "object"}}})}};
  paths["/v1/forecast"] =
      Post("when runs finish and how much demand is served under uncertain supply", forecast, true);
  paths["/v1/localize"] = Post("domestic self-sufficiency trajectories and the odds of a target",
                               RequestSchema(app::LocalizeFields()), false);
  paths["/v1/replay"] = Post(
      "replay a cluster trace (a path inside the server's data folder) under scheduling policies",
      RequestSchema(app::ReplayFields()), true);
  paths["/v1/simulate"] =
      Post("simulate before submit: where and when one job runs on the cluster as it is now",
           RequestSchema(app::SimulateFields()), true);
  paths["/v1/calibrate"] = Post(
      "fit the per-family efficiency parameters to measured runs (files inside the server's "
      "data folder, or measurements_yaml inline)",
      RequestSchema(app::CalibrateFields()), true);
  paths["/v1/cluster/import"] =
      Post("accelerators per type, their use and Kueue quotas from Kubernetes objects",
           RequestSchema(app::ClusterImportFields()), false);
  for (const std::string& what : app::Engine::CatalogKinds()) {
    paths[std::string("/v1/catalog/") + what] =
        Get(std::string("the catalog's ") + what + " with sources");
  }
  paths["/v1/scenarios"] = Get("the built-in forecast scenarios");
  paths["/v1/openapi.json"] = Get("this document");
  paths["/healthz"] = {{"get",
                        {{"summary", "liveness; needs no token"},
                         {"responses", {{"200", {{"description", "{\"status\":\"ok\"}"}}}}}}}};
  paths["/metrics"] = {
      {"get",
       {{"summary", "Prometheus metrics: requests, errors and latency by route"},
        {"responses",
         {{"200", {{"description", "text", {"content", {{"text/plain", json::object()}}}}}}}}}}};
  const json error_schema = {
      {"type", "object"},
      {"required", json::array({"error", "field"})},
      {"properties",
       {{"error", {{"type", "string"}}},
        {"field", {{"type", {"string", "null"}}, {"description", "the request field at fault"}}},
        {"file", {{"type", "string"}}},
        {"line", {{"type", "integer"}}}}}};
  json doc = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "suanli"},
        {"version", "0.1.0"},
        {"description",
         "Capacity planning and performance modelling for AI accelerator fleets. Request "
         "fields are the CLI's long flags in snake_case; responses are the CLI's --json."}}},
      {"paths", paths},
      {"components",
       {{"schemas", {{"Error", error_schema}}},
        {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"responses",
         {{"BadRequest",
           {{"description", "the request is wrong; `field` names the field"},
            {"content",
             {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}},
          {"Unauthorized",
           {{"description", "a token is required (server bound beyond loopback)"},
            {"content",
             {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}}}},
      {"security", json::array({{{"bearer", json::array()}}, json::object()})}};
  return doc.dump(2) + "\n";
}

}  // namespace suanli::server
