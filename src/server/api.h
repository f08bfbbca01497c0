// The HTTP API without the transport: a request (method, path, body, bearer token) in, a
// status and a JSON body out. http_server.cc puts it on a socket; tests and the fuzzer call it
// directly.
//
// Routes: POST /v1/{train,infer,forecast,localize,replay} with a JSON object whose keys are the
// CLI's long flags in snake_case (app/requests.h); the 200 body is the CLI's --json output for
// the same request. GET /v1/catalog/{chips,models,systems}, /v1/scenarios, /v1/openapi.json,
// /healthz, /metrics. Every error is {"error": ..., "field": ...} with a 4xx or 5xx status.
#ifndef SUANLI_SERVER_API_H_
#define SUANLI_SERVER_API_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/engine.h"
#include "sim/engine/kube.h"

namespace suanli::server {

struct ApiOptions {
  // Required as "Authorization: Bearer <token>" on every route but /healthz when not empty.
  std::string token;
  size_t max_body_bytes = 1 << 20;
  int max_samples = 20'000;  // forecast and localize samples per request
  // Heavy requests (forecast, replay) running at once; more wait up to heavy_wait, then 503.
  int max_heavy = 1;
  std::chrono::milliseconds heavy_wait{2000};
  // The cluster the scheduler extender looks nodes up in when sent only NodeNames; may be null.
  std::shared_ptr<const sim::KubeCluster> cluster;
};

struct ApiRequest {
  std::string method;  // GET, POST, ...
  std::string path;
  std::string body;
  std::string authorization;  // the Authorization header, may be empty
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

// Request counts, errors and latency by route, in Prometheus text format.
class Metrics {
 public:
  void Record(const std::string& route, int status, double seconds);
  std::string Prometheus() const;

 private:
  struct RouteStats {
    uint64_t requests = 0;
    std::map<int, uint64_t> by_status;
    std::vector<uint64_t> buckets;  // cumulative counts per kLatencyBuckets
    double seconds_sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, RouteStats> routes_;
};

class Api {
 public:
  Api(const app::Engine& engine, ApiOptions options);
  ~Api();

  ApiResponse Handle(const ApiRequest& request);

  // The OpenAPI 3 document, written from the request field lists.
  static std::string OpenApi();
  // The route a path is counted under in the metrics ("/v1/train", "other").
  static std::string RouteOf(const std::string& path);

  Metrics& metrics() { return metrics_; }

 private:
  ApiResponse Dispatch(const ApiRequest& request);
  struct HeavySlots;

  const app::Engine& engine_;
  ApiOptions options_;
  Metrics metrics_;
  std::unique_ptr<HeavySlots> heavy_;
};

// {"error": message, "field": field} (and file, line when the error has them).
ApiResponse ErrorResponse(int status, const Error& e);

}  // namespace suanli::server

#endif  // SUANLI_SERVER_API_H_
