#include "server/api.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <semaphore>
#include <set>
#include <string>
#include <vector>

#include "app/requests.h"
#include "core/json_keys.h"
#include "core/text.h"
#include "server/extender.h"
#include "server/web_assets.h"

namespace suanli::server {
namespace {

using nlohmann::json;

// Upper bounds of the latency histogram, seconds.
constexpr double kLatencyBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
constexpr int kMaxJsonDepth = 32;

ApiResponse JsonResponse(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

ApiResponse Error400(std::string message, std::string field = {}) {
  return ErrorResponse(400, Error{std::move(message), "", 0, std::move(field)});
}

// Nesting deeper than any request needs is refused before parsing.
bool TooDeep(const std::string& body) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return true;
    }
    if (c == ']' || c == '}') --depth;
  }
  return false;
}

ApiResponse WrongMethod(const std::string& method, const char* allowed) {
  ApiResponse r =
      ErrorResponse(405, Error{method.substr(0, 16) + " is not allowed here; use " + allowed});
  r.headers["Allow"] = allowed;
  return r;
}

// A body over the size cap (413) or nested deeper than any request needs (400), before parsing.
std::optional<ApiResponse> BodyProblem(const std::string& body, size_t max_bytes) {
  if (body.size() > max_bytes) {
    return ErrorResponse(413, Error{"request body over " + std::to_string(max_bytes) + " bytes"});
  }
  if (TooDeep(body)) {
    return Error400("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  return std::nullopt;
}

// A JSON value as a field value; null means "not given".
Result<std::optional<app::FieldValue>> ToFieldValue(const json& v, const std::string& key) {
  switch (v.type()) {
    case json::value_t::null:
      return std::optional<app::FieldValue>{};
    case json::value_t::boolean:
      return std::optional<app::FieldValue>{v.get<bool>()};
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      // Whole numbers as text, so 64-bit seeds stay exact through the amount parser.
      return std::optional<app::FieldValue>{v.dump()};
    case json::value_t::number_float:
      return std::optional<app::FieldValue>{v.get<double>()};
    case json::value_t::string:
      return std::optional<app::FieldValue>{v.get<std::string>()};
    case json::value_t::array: {
      std::vector<std::string> items;
      // Numbers and booleans as their text (["h100", 8] is a list, and [1024] for a number is
      // "expected a number, got a list" from the field); nested lists, objects and null are no
      // list item.
      for (const auto& item : v) {
        if (item.is_string()) {
          items.push_back(item.get<std::string>());
        } else if (item.is_number() || item.is_boolean()) {
          items.push_back(item.dump());
        } else {
          return MakeError("expected a list of strings or numbers", "", 0, key);
        }
      }
      return std::optional<app::FieldValue>{std::move(items)};
    }
    default:
      return MakeError("expected a string, number, boolean or list, got an object", "", 0, key);
  }
}

// A request from a JSON object, through the same fields as the CLI's flags.
template <typename Request>
Result<Request> Decode(const json& body, const std::vector<app::Field<Request>>& fields) {
  Request r;
  // Messages name the fields the body did not give as JSON keys (app::FlagAsTyped).
  if constexpr (requires { r.typed_as.json; }) r.typed_as.json = true;
  std::vector<std::string> known;
  for (const auto& f : fields) {
    if (!f.cli_only) known.push_back(f.name);
  }
  std::vector<std::pair<const app::Field<Request>*, std::string>> given;
  for (const auto& item : body.items()) {
    const std::string& key = item.key();
    const json& value = item.value();
    const auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) {
      return app::NamedAs(f, key) && !f.cli_only;
    });
    if (it == fields.end()) return tl::unexpected(app::UnknownField(key, known));
    // One field under two names ("tp" and vLLM's "tensor_parallel_size") is a contradiction.
    for (const auto& [field, as] : given) {
      if (field == &*it) {
        return MakeError("given twice, as '" + as + "' and '" + key + "'; give it once", "", 0,
                         it->name);
      }
    }
    given.emplace_back(&*it, key);
    auto v = ToFieldValue(value, key);
    if (!v) return tl::unexpected(v.error());
    if (!*v) continue;
    if (auto ok = app::SetAsTyped(*it, r, **v, key); !ok) return tl::unexpected(ok.error());
    if constexpr (requires { r.fields_given; }) r.fields_given.push_back(it->name);
  }
  for (const auto& f : fields) {
    const bool present = std::any_of(given.begin(), given.end(), [&](const auto& g) {
      return g.first == &f && !body.at(g.second).is_null();
    });
    if (f.required && !f.cli_only && !present) {
      return tl::unexpected(app::MissingField(f.name));
    }
  }
  return r;
}

Result<int> CheckSamples(int samples, int limit) {
  if (samples > limit) {
    return MakeError("at most " + std::to_string(limit) + " samples per request on this server", "",
                     0, "samples");
  }
  return samples;
}

// Kubernetes objects may come as JSON (what kubectl printed) rather than as a string of it: the
// request field takes the text.
void InlineAsText(json& body, const char* key) {
  if (body.contains(key) && !body[key].is_string() && !body[key].is_null()) {
    body[key] = body[key].dump();
  }
}

bool SameToken(const std::string& a, const std::string& b) {
  // Length is not secret; the content is compared in constant time.
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

ApiResponse ErrorResponse(int status, const Error& e) {
  json j;
  j["error"] = e.message;
  j["field"] = e.field.empty() ? json(nullptr) : json(e.field);
  if (!e.file.empty()) j["file"] = e.file;
  if (e.line > 0) j["line"] = e.line;
  // Names from the user may not be UTF-8: replace, never throw.
  return JsonResponse(status, j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

void Metrics::Record(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  RouteStats& s = routes_[route];
  if (s.buckets.empty()) s.buckets.assign(std::size(kLatencyBuckets), 0);
  ++s.requests;
  ++s.by_status[status];
  s.seconds_sum += seconds;
  for (size_t i = 0; i < std::size(kLatencyBuckets); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++s.buckets[i];
  }
}

std::string Metrics::Prometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP suanli_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE suanli_http_requests_total counter\n";
  for (const auto& [route, s] : routes_) {
    for (const auto& [status, n] : s.by_status) {
      out += "suanli_http_requests_total{route=\"" + route + "\",status=\"" +
             std::to_string(status) + "\"} " + std::to_string(n) + "\n";
    }
  }
  out += "# HELP suanli_http_errors_total HTTP responses with status >= 400 by route.\n";
  out += "# TYPE suanli_http_errors_total counter\n";
  for (const auto& [route, s] : routes_) {
    uint64_t errors = 0;
    for (const auto& [status, n] : s.by_status) errors += status >= 400 ? n : 0;
    out += "suanli_http_errors_total{route=\"" + route + "\"} " + std::to_string(errors) + "\n";
  }
  out += "# HELP suanli_http_request_duration_seconds Time to answer, by route.\n";
  out += "# TYPE suanli_http_request_duration_seconds histogram\n";
  for (const auto& [route, s] : routes_) {
    const std::string name = "suanli_http_request_duration_seconds";
    for (size_t i = 0; i < std::size(kLatencyBuckets); ++i) {
      char le[32];
      std::snprintf(le, sizeof le, "%g", kLatencyBuckets[i]);
      out += name + "_bucket{route=\"" + route + "\",le=\"" + le + "\"} " +
             std::to_string(s.buckets[i]) + "\n";
    }
    out +=
        name + "_bucket{route=\"" + route + "\",le=\"+Inf\"} " + std::to_string(s.requests) + "\n";
    char sum[64];
    std::snprintf(sum, sizeof sum, "%.6f", s.seconds_sum);
    out += name + "_sum{route=\"" + route + "\"} " + sum + "\n";
    out += name + "_count{route=\"" + route + "\"} " + std::to_string(s.requests) + "\n";
  }
  return out;
}

struct Api::HeavySlots {
  explicit HeavySlots(int n) : slots(n) {}
  std::counting_semaphore<1024> slots;
};

Api::Api(const app::Engine& engine, ApiOptions options)
    : engine_(engine),
      options_(std::move(options)),
      heavy_(std::make_unique<HeavySlots>(std::clamp(options_.max_heavy, 1, 1024))) {}

Api::~Api() = default;

std::string Api::RouteOf(const std::string& path) {
  static const char* kRoutes[] = {"/v1/train",        "/v1/infer",  "/v1/forecast",
                                  "/v1/localize",     "/v1/replay", "/v1/scenarios",
                                  "/v1/openapi.json", "/healthz",   "/metrics"};
  for (const char* r : kRoutes) {
    if (path == r) return r;
  }
  for (const std::string& what : app::Engine::CatalogKinds()) {
    if (path == "/v1/catalog/" + what) return path;
  }
  return "other";
}

ApiResponse Api::Handle(const ApiRequest& request) {
  const auto t0 = std::chrono::steady_clock::now();
  ApiResponse response;
  try {
    response = Dispatch(request);
  } catch (const std::exception& e) {
    response = ErrorResponse(500, Error{std::string("internal error: ") + e.what()});
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  metrics_.Record(RouteOf(request.path), response.status, seconds);
  return response;
}

ApiResponse Api::Dispatch(const ApiRequest& request) {
  const std::string& path = request.path;
  if (path == "/healthz") return JsonResponse(200, "{\"status\":\"ok\"}\n");
  // The page and its assets need no token: it asks for one and sends it with its API calls.
  if (request.method == "GET") {
    if (path == "/favicon.ico") {
      ApiResponse none;
      none.status = 204;
      none.content_type = "image/x-icon";
      return none;
    }
    const std::string name = path == "/" ? "index.html" : path.substr(1);
    for (const auto& f : WebAssets()) {
      if (f.name != name) continue;
      ApiResponse r;
      r.body = std::string(f.content);
      r.content_type = name.ends_with(".html")  ? "text/html; charset=utf-8"
                       : name.ends_with(".css") ? "text/css"
                                                : "text/javascript";
      return r;
    }
  }
  // The scheduler extender: kube-scheduler sends no bearer token; the answers are scores for the
  // objects it sends, computed from the catalog.
  if (path == "/scheduler/filter" || path == "/scheduler/prioritize") {
    if (request.method != "POST") return WrongMethod(request.method, "POST");
    if (auto bad = BodyProblem(request.body, options_.max_body_bytes)) return *bad;
    return HandleExtender(engine_, options_.cluster.get(), path.substr(11), request.body);
  }
  if (!options_.token.empty() && !SameToken(request.authorization, "Bearer " + options_.token)) {
    ApiResponse r = ErrorResponse(401, Error{"missing or wrong bearer token", "", 0, ""});
    r.headers["WWW-Authenticate"] = "Bearer";
    return r;
  }
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  auto wrong_method = [&](const char* allowed) { return WrongMethod(request.method, allowed); };
  app::RunContext json_out{app::Format::kJson, nullptr};
  auto answer = [](const Result<app::Output>& out) {
    if (!out) return ErrorResponse(400, out.error());
    return JsonResponse(200, out->body);
  };

  if (path == "/metrics") {
    if (!get) return wrong_method("GET");
    ApiResponse r = JsonResponse(200, metrics_.Prometheus());
    r.content_type = "text/plain; version=0.0.4";
    return r;
  }
  if (path == "/v1/openapi.json") {
    if (!get) return wrong_method("GET");
    return JsonResponse(200, OpenApi());
  }
  if (path == "/v1/scenarios") {
    if (!get) return wrong_method("GET");
    app::ForecastRequest list;
    list.list = true;
    return answer(engine_.Forecast(list, json_out));
  }
  if (path.rfind("/v1/scenarios/", 0) == 0) {
    if (!get) return wrong_method("GET");
    auto out = app::Engine::ScenarioText(path.substr(14), json_out);
    if (!out) return ErrorResponse(404, out.error());
    return JsonResponse(200, out->body);
  }
  if (path.rfind("/v1/catalog/", 0) == 0) {
    if (!get) return wrong_method("GET");
    // /v1/catalog/chips, or one entry's: /v1/catalog/chips/h20, /v1/catalog/models/
    // deepseek-ai/DeepSeek-V3.2-Exp (the rest of the path is the name).
    std::string what = path.substr(12), name;
    if (const size_t slash = what.find('/'); slash != std::string::npos) {
      name = what.substr(slash + 1);
      what.resize(slash);
    }
    const auto& kinds = app::Engine::CatalogKinds();
    if (std::find(kinds.begin(), kinds.end(), what) == kinds.end()) {
      return ErrorResponse(
          404, Error{fmt::format("no such route; catalogs are {}", fmt::join(kinds, ", "))});
    }
    auto listed = engine_.Catalog({what, name}, json_out);
    if (!listed && !name.empty()) return ErrorResponse(404, listed.error());
    return answer(std::move(listed));
  }

  const bool command = path == "/v1/train" || path == "/v1/infer" || path == "/v1/forecast" ||
                       path == "/v1/cluster/import" || path == "/v1/simulate" ||
                       path == "/v1/forecast/report" || path == "/v1/localize" ||
                       path == "/v1/replay" || path == "/v1/calibrate";
  if (!command) {
    return ErrorResponse(
        404, Error{"no such route: " + path.substr(0, 100) + " (see /v1/openapi.json)"});
  }
  if (!post) return wrong_method("POST");
  if (auto bad = BodyProblem(request.body, options_.max_body_bytes)) return *bad;
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Error400(
        "the body is empty: POST a JSON object of the request's fields (curl -d "
        "'{...}'; the fields are in /v1/openapi.json)");
  }
  // A body that says "tp" twice is refused, as a YAML mapping that names a key twice is.
  std::string duplicate;
  json body = ParseJsonKeysOnce(request.body, &duplicate);
  if (body.is_discarded())
    return ErrorResponse(400, app::JsonSyntaxError(request.body, "the body"));
  if (!duplicate.empty()) {
    return ErrorResponse(400, Error{"duplicate key in the body; a JSON object names each key once",
                                    "", 0, duplicate.substr(0, 100)});
  }
  if (!body.is_object()) return Error400("the body must be a JSON object of request fields");

  if (path == "/v1/train") {
    auto r = Decode(body, app::TrainFields());
    if (!r) return ErrorResponse(400, r.error());
    return answer(engine_.Train(*r, json_out));
  }
  // infer is light in mode analytic; its simulations are heavy.
  std::optional<app::InferRequest> simulated_infer;
  if (path == "/v1/infer") {
    // vLLM's JSON-valued options (speculative_config, kv_transfer_config, compilation_config,
    // vllm-ascend's additional_config) may come as JSON objects, as its Python API takes them;
    // the request layer reads the JSON text the CLI's flags take.
    for (const char* key :
         {"speculative_config", "kv_transfer_config", "compilation_config", "additional_config"}) {
      if (body.contains(key) && body[key].is_object()) body[key] = body[key].dump();
    }
    auto r = Decode(body, app::InferFields());
    if (!r) return ErrorResponse(400, r.error());
    if (!app::Simulated(*r)) return answer(engine_.Infer(*r, json_out));
    simulated_infer = std::move(*r);
  }
  if (path == "/v1/cluster/import") {
    InlineAsText(body, "kube_json");
    auto r = Decode(body, app::ClusterImportFields());
    if (!r) return ErrorResponse(400, r.error());
    return answer(engine_.ClusterImport(*r, json_out));
  }
  if (path == "/v1/localize") {
    auto r = Decode(body, app::LocalizeFields());
    if (!r) return ErrorResponse(400, r.error());
    if (auto ok = CheckSamples(r->samples, options_.max_samples); !ok) {
      return ErrorResponse(400, ok.error());
    }
    return answer(engine_.Localize(*r, json_out));
  }

  // Forecast, replay, simulate and calibrate take seconds: a few at a time, so /healthz and the
  // light routes always have threads to answer on.
  if (!heavy_->slots.try_acquire_for(options_.heavy_wait)) {
    ApiResponse r = ErrorResponse(
        503,
        Error{fmt::format(
            "busy: the server runs at most {} forecast, replay or simulation requests at once; "
            "retry",
            options_.max_heavy)});
    r.headers.insert_or_assign(std::string("Retry-After"), std::string("5"));
    return r;
  }
  struct Release {
    std::counting_semaphore<1024>& s;
    ~Release() { s.release(); }
  } release{heavy_->slots};
  if (simulated_infer) return answer(engine_.Infer(*simulated_infer, json_out));
  if (path == "/v1/forecast" || path == "/v1/forecast/report") {
    // An inline scenario may come as a JSON object: JSON is YAML. Its errors then name the
    // object ("scenario"), not the YAML text rendered from it, whose lines the sender never saw.
    const bool scenario_object = body.contains("scenario") && body["scenario"].is_object();
    if (scenario_object) {
      body["scenario_yaml"] = body["scenario"].dump(2);
      body.erase("scenario");
    }
    auto in_object = [&](Result<app::Output> out) {
      if (!out && scenario_object && out.error().file == "scenario_yaml") {
        out.error().file = "scenario";
        out.error().line = 0;
      }
      return out;
    };
    auto r = Decode(body, app::ForecastFields());
    if (!r) return ErrorResponse(400, r.error());
    if (auto ok = CheckSamples(r->samples, options_.max_samples); !ok) {
      return ErrorResponse(400, ok.error());
    }
    if (path == "/v1/forecast") return answer(in_object(engine_.Forecast(*r, json_out)));
    // The HTML report with the charts, as the CLI's --report writes it (nothing is written here).
    r->report = "forecast.html";
    auto out = in_object(engine_.Forecast(*r, json_out));
    if (!out) return ErrorResponse(400, out.error());
    ApiResponse html;
    html.body = std::move(out->files.front().content);
    html.content_type = "text/html; charset=utf-8";
    return html;
  }
  if (path == "/v1/calibrate") {
    auto r = Decode(body, app::CalibrateFields());
    if (!r) return ErrorResponse(400, r.error());
    return answer(engine_.Calibrate(*r, json_out));
  }
  if (path == "/v1/simulate") {
    InlineAsText(body, "kube_json");
    auto r = Decode(body, app::SimulateFields());
    if (!r) return ErrorResponse(400, r.error());
    return answer(engine_.Simulate(*r, json_out));
  }
  auto r = Decode(body, app::ReplayFields());
  if (!r) return ErrorResponse(400, r.error());
  return answer(engine_.Replay(*r, json_out));
}

}  // namespace suanli::server
