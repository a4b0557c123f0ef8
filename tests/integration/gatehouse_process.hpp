// A real `gatehouse` binary for integration tests: a fresh tenant (init --demo) in a temp
// directory, `serve` on a free loopback port, stopped with SIGTERM when the object goes away.
#pragma once

#include "support/http_client.hpp"

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gatehouse::testing {

struct TenantFixture {
    std::string dir;
    std::string db_url;
    std::string issuer;
    std::uint16_t port = 0;
    std::string mgmt_client_id = "mgmtClientForIntegrationTests000";
    std::string mgmt_client_secret = "integration-test-management-secret-0123456789abcdefghijklmnopqrst";
    std::string demo_client_id;
    std::map<std::string, std::string> init_output;  // "demo SPA client_id" -> value, ...
};

class GatehouseProcess {
  public:
    // Initialises a tenant and starts serving; throws std::runtime_error when either fails.
    explicit GatehouseProcess(std::vector<std::string> extra_serve_args = {});
    ~GatehouseProcess();
    GatehouseProcess(const GatehouseProcess&) = delete;

    const TenantFixture& tenant() const { return tenant_; }
    HttpClient client() const { return HttpClient("127.0.0.1", tenant_.port); }
    // Runs `gatehouse <args>` against this tenant's database and returns its exit code and stdout.
    // Runs `gatehouse <args> --db ... --issuer ...`: exit code and stdout (plus stderr when asked).
    std::pair<int, std::string> cli(const std::vector<std::string>& args, bool with_stderr = false) const;
    // Everything the server wrote to stderr so far (the access log).
    std::string log() const;
    void stop();

  private:
    TenantFixture tenant_;
    pid_t pid_ = -1;
};

std::string gatehouse_binary();
std::uint16_t free_port();

}  // namespace gatehouse::testing
