// A fault-injecting loopback proxy in front of RGW for the S3 tests
// (test_s3_client.cpp, test_s3_store.cpp).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace s3test {

// A loopback proxy in front of RGW that fails chosen requests: it reads one
// request per connection (asking RGW to close after answering, so every
// request opens a connection and can be counted), then forwards it, answers
// 503 SlowDown, or resets the connection.

enum class Fault { none, slowdown, reset };

class FaultProxy {
 public:
  // decide(n, head): what to do with request n (0-based), given its request line and headers.
  FaultProxy(int upstream_port, std::function<Fault(int, const std::string&)> decide)
      : upstream_port_(upstream_port), decide_(std::move(decide)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;  // any free port
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, 16) != 0)
      throw std::runtime_error("proxy: cannot listen");
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~FaultProxy() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  int requests() const { return requests_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  static bool wait_readable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }
  static bool write_all(int fd, const char* d, std::size_t n) {
    while (n > 0) {
      ssize_t w = ::send(fd, d, n, MSG_NOSIGNAL);
      if (w <= 0) return false;
      d += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }

  void run() {
    while (!stop_) {
      if (!wait_readable(listen_fd_, 50)) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      serve(fd);
    }
  }

  void serve(int fd) {
    // Read the request head, then Content-Length bytes of body.
    std::string req;
    char buf[65536];
    std::size_t head_end;
    while ((head_end = req.find("\r\n\r\n")) == std::string::npos) {
      if (!wait_readable(fd, 10000)) return (void)::close(fd);
      ssize_t r = ::recv(fd, buf, sizeof buf, 0);
      if (r <= 0) return (void)::close(fd);  // an idle keep-alive connection closed by the client
      req.append(buf, static_cast<std::size_t>(r));
    }
    std::string head = req.substr(0, head_end + 2), lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    std::size_t body_len = 0, cl = lower.find("\r\ncontent-length:");
    if (cl != std::string::npos) body_len = std::stoull(head.substr(cl + 17));
    // libcurl waits (up to 1 s) for "100 Continue" before a body above 1 MiB.
    if (lower.find("\r\nexpect: 100-continue") != std::string::npos && req.size() < head_end + 4 + body_len)
      write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    while (req.size() < head_end + 4 + body_len) {
      if (!wait_readable(fd, 10000)) return (void)::close(fd);
      ssize_t r = ::recv(fd, buf, sizeof buf, 0);
      if (r <= 0) return (void)::close(fd);
      req.append(buf, static_cast<std::size_t>(r));
    }
    Fault f = decide_(requests_++, head);
    if (f == Fault::reset) {
      linger l{1, 0};  // close with RST: the client sees "connection reset by peer"
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      ::close(fd);
      return;
    }
    if (f == Fault::slowdown) {
      std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                         "<Message>Please reduce your request rate.</Message></Error>";
      std::string resp = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
      write_all(fd, resp.data(), resp.size());
      ::close(fd);
      return;
    }
    // Forward with "Connection: close" (libcurl does not sign that header).
    int up = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(upstream_port_));
    if (up < 0 || ::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      if (up >= 0) ::close(up);
      ::close(fd);
      return;
    }
    std::string out;
    for (std::size_t pos = 0, e; (e = head.find("\r\n", pos)) != std::string::npos; pos = e + 2)
      if (lower.compare(pos, 11, "connection:") != 0 && lower.compare(pos, 7, "expect:") != 0)
        out.append(head, pos, e + 2 - pos);
    out += "Connection: close\r\n\r\n";
    out.append(req, head_end + 4, std::string::npos);
    if (write_all(up, out.data(), out.size())) {
      while (wait_readable(up, 30000)) {
        ssize_t r = ::recv(up, buf, sizeof buf, 0);
        if (r <= 0 || !write_all(fd, buf, static_cast<std::size_t>(r))) break;
      }
    }
    ::close(up);
    ::close(fd);
  }

  int upstream_port_;
  std::function<Fault(int, const std::string&)> decide_;
  int listen_fd_ = -1, port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A decider that fails each distinct request (its request line: method and
// target) on its first fails(line) arrivals, alternating 503 SlowDown and
// resets, then lets it through. Counting per request, not by arrival order,
// keeps a test deterministic: parallel uploads and the client's backoff jitter
// reorder arrivals, and a pattern over arrival numbers can then hit one request
// more often than its retries allow.
inline std::function<Fault(int, const std::string&)> fail_first_attempts(std::function<int(const std::string&)> fails) {
  auto seen = std::make_shared<std::map<std::string, int>>();  // the proxy calls this from one thread
  return [seen, fails = std::move(fails)](int, const std::string& head) {
    std::string line = head.substr(0, head.find("\r\n"));
    int k = (*seen)[line]++;
    if (k >= fails(line)) return Fault::none;
    return k % 2 ? Fault::reset : Fault::slowdown;
  };
}

inline int endpoint_port(const std::string& endpoint) { return std::stoi(endpoint.substr(endpoint.rfind(':') + 1)); }

}  // namespace s3test
