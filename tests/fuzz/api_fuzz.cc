// Fuzz target: the HTTP API's request decoding and the routes, with any body.
// The first byte picks the route; the rest is the body. No input may crash, hang or trip a
// sanitizer, and every answer must be a status with a JSON object body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "app/engine.h"
#include "server/api.h"

namespace {

// New routes go at the end: a seed's first byte keeps naming the route it was written for.
const char* const kRoutes[] = {"/v1/train",         "/v1/infer",
                               "/v1/localize",      "/v1/catalog/chips",
                               "/v1/forecast",      "/v1/replay",
                               "/v1/simulate",      "/v1/cluster/import",
                               "/scheduler/filter", "/scheduler/prioritize",
                               "/v1/calibrate",     "/v1/forecast/report"};

suanli::server::Api& TheApi() {
  static const suanli::app::Engine engine = [] {
    suanli::app::EngineOptions o;
    o.file_root = "/nonexistent-fuzz-root";
    return *suanli::app::Engine::Open(o);
  }();
  static suanli::server::Api api = [] {
    suanli::server::ApiOptions o;
    o.max_samples = 64;  // forecasts stay fast enough to fuzz
    o.heavy_wait = std::chrono::milliseconds(0);
    return suanli::server::Api(engine, o);
  }();
  return api;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* route = kRoutes[data[0] % std::size(kRoutes)];
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto r = TheApi().Handle({"POST", route, body, ""});
  // JSON objects, a JSON list for the extender's prioritize (HostPriorityList), and the forecast
  // report's HTML page.
  const bool html = r.content_type.rfind("text/html", 0) == 0;
  if (r.status < 200 || r.status > 599 || r.body.empty() ||
      (html ? r.body.front() != '<' : r.body.front() != '{' && r.body.front() != '[')) {
    std::abort();
  }
  // A 500 is a bug the fuzzer found: an exception escaped the engine.
  if (r.status == 500) std::abort();
  return 0;
}
