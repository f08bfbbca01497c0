#include "server/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cstdio>

namespace suanli::server {

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

struct HttpServer::Impl {
  Impl(const app::Engine& e, ServeOptions o)
      : engine(e), options(std::move(o)), api(engine, options.api) {}
  const app::Engine& engine;
  ServeOptions options;
  Api api;
  httplib::Server http;
};

HttpServer::HttpServer(const app::Engine& engine, ServeOptions options)
    : impl_(std::make_unique<Impl>(engine, std::move(options))) {}

HttpServer::~HttpServer() = default;

void HttpServer::Stop() { impl_->http.stop(); }

Result<void> HttpServer::Run() {
  const ServeOptions& o = impl_->options;
  if (!IsLoopback(o.host) && o.api.token.empty()) {
    return MakeError("serving on '" + o.host +
                         "' (beyond loopback) needs a bearer token: --token or SUANLI_TOKEN",
                     "", 0, "token");
  }
  if (!impl_->engine.options().file_root) {
    return MakeError("the engine must be opened with a file_root: clients may not name any path");
  }
  if (o.port < 0 || o.port > 65535) return MakeError("must be in [0, 65535]", "", 0, "port");
  auto& http = impl_->http;
  const int threads = std::max(2, o.threads);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Oversized bodies are refused (413) by the library before they are buffered.
  http.set_payload_max_length(o.api.max_body_bytes);
  http.set_read_timeout(o.read_timeout_s, 0);
  http.set_write_timeout(o.write_timeout_s, 0);
  // cpp-httplib serves a keep-alive connection on one pool thread until it closes: rotate
  // connections so a busy client cannot hold every thread.
  http.set_keep_alive_max_count(100);
  Api& api = impl_->api;
  auto handle = [&api, &o](const httplib::Request& req, httplib::Response& res) {
    ApiRequest request{req.method, req.path, req.body, req.get_header_value("Authorization")};
    ApiResponse response = api.Handle(request);
    res.status = response.status;
    for (const auto& [k, v] : response.headers) res.set_header(k, v);
    res.set_content(response.body, response.content_type);
    if (o.log) o.log(req.method + " " + req.path + " " + std::to_string(response.status));
  };
  // Methods with a body read it through a content reader: cpp-httplib's own body reading refuses
  // an application/x-www-form-urlencoded body over 8,192 bytes with 413 (its
  // CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH, compiled into Debian's libcpp-httplib), and
  // that is the type `curl -d` and `--data-binary` send: a kubectl JSON or a scenario of 10 KB
  // would be "over the size limit" of 1 MiB. The reader still refuses a body over the cap (413)
  // before buffering it.
  auto handle_body = [handle](const httplib::Request& req, httplib::Response& res,
                              const httplib::ContentReader& read) {
    httplib::Request with_body = req;
    with_body.body.clear();
    if (!read([&with_body](const char* data, size_t n) {
          with_body.body.append(data, n);
          return true;
        })) {
      return;
    }
    handle(with_body, res);
  };
  // One handler for every path and method: routing lives in Api, so 404 and 405 are decided
  // there too and counted in the metrics.
  const std::string any = ".*";
  http.Get(any, handle);
  http.Post(any, handle_body);
  http.Put(any, handle_body);
  http.Delete(any, handle_body);
  http.Patch(any, handle_body);
  http.Options(any, handle);
  // Errors the library decides itself (413 over the body cap, 400 on a malformed request).
  http.set_error_handler([&api](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const int status = res.status;
    // A POST with no body and no Content-Length (`curl -X POST URL` without -d) is refused by
    // the library before routing: answer it as the API answers an empty body on that route
    // (405 on a GET route, 404 on none, else what the route needs).
    if (status == 400 && !req.has_header("Content-Length") &&
        !req.has_header("Transfer-Encoding") &&
        (req.method == "POST" || req.method == "PUT" || req.method == "PATCH")) {
      ApiResponse r =
          api.Handle(ApiRequest{req.method, req.path, "", req.get_header_value("Authorization")});
      res.status = r.status;
      for (const auto& [k, v] : r.headers) res.set_header(k, v);
      res.set_content(r.body, r.content_type);
      return;
    }
    const std::string message =
        status == 413 ? "request body over the size limit" : "HTTP error " + std::to_string(status);
    ApiResponse r = ErrorResponse(status, Error{message});
    res.set_content(r.body, r.content_type);
    api.metrics().Record(Api::RouteOf(req.path), status, 0);
  });
  // SO_REUSEADDR only (a restart binds over the last run's TIME_WAIT connections), not the
  // library's default SO_REUSEPORT, which lets a second server bind a port another is listening
  // on: the kernel then deals the connections between the two (audit round 12: a second `suanli
  // serve --port P --token T` said "serving" and answered every other request with 401).
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  int port = o.port;
  if (port == 0) {
    port = http.bind_to_any_port(o.host);
    if (port < 0) return MakeError("cannot bind to " + o.host, "", 0, "host");
  } else if (!http.bind_to_port(o.host, port)) {
    return MakeError("cannot listen on " + o.host + ":" + std::to_string(port) +
                         " (in use, or not an address of this machine)",
                     "", 0, "port");
  }
  if (o.on_listening) o.on_listening(port);
  if (!http.listen_after_bind()) return MakeError("the server stopped with an error");
  return {};
}

}  // namespace suanli::server
