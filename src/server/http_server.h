// `suanli serve`: the API of server/api.h on a socket (cpp-httplib).
//
// Loopback by default. Bound anywhere else it refuses to start without a bearer token. Bodies
// over the cap get 413 before they are read whole; reads and writes time out; heavy requests
// are capped by the Api, so /healthz keeps answering while forecasts run.
#ifndef SUANLI_SERVER_HTTP_SERVER_H_
#define SUANLI_SERVER_HTTP_SERVER_H_

#include <functional>
#include <string>

#include "app/engine.h"
#include "core/error.h"
#include "server/api.h"

namespace suanli::server {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see on_listening)
  ApiOptions api;
  int threads = 128;
  int read_timeout_s = 10;
  int write_timeout_s = 60;
  // Called once the socket listens, with the port (for tests and the log line).
  std::function<void(int port)> on_listening;
  // Access log lines ("GET /v1/train 200 0.012 s"); none when empty.
  std::function<void(const std::string&)> log;
};

// True for 127.0.0.0/8, ::1 and localhost.
bool IsLoopback(const std::string& host);

// Serves until Stop() is called from another thread (or a signal handler's thread).
class HttpServer {
 public:
  HttpServer(const app::Engine& engine, ServeOptions options);
  ~HttpServer();
  // Blocks while serving. Errors: a token missing off loopback, a port in use.
  Result<void> Run();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace suanli::server

#endif  // SUANLI_SERVER_HTTP_SERVER_H_
