#include "integration/gatehouse_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace gatehouse::testing {
namespace fs = std::filesystem;

std::string gatehouse_binary() {
    const char* bin = std::getenv("GATEHOUSE_BINARY");
    if (!bin || !*bin) throw std::runtime_error("GATEHOUSE_BINARY is not set (ctest sets it)");
    return bin;
}

std::uint16_t free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

namespace {

// Runs a command to completion, capturing stdout (and stderr, interleaved, when `with_stderr`).
std::pair<int, std::string> run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                        bool with_stderr = false) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        if (with_stderr) dup2(out[1], 2);
        close(out[0]);
        close(out[1]);
        for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(out[1]);
    std::string output;
    char buf[4096];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) output.append(buf, std::size_t(n));
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.pop_back();
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    return s;
}

}  // namespace

GatehouseProcess::GatehouseProcess(std::vector<std::string> extra_serve_args) {
    char pattern[] = "/tmp/gatehouse-it-XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    tenant_.dir = pattern;
    tenant_.db_url = "sqlite://" + tenant_.dir + "/gatehouse.db";
    tenant_.port = free_port();
    tenant_.issuer = "http://127.0.0.1:" + std::to_string(tenant_.port) + "/";

    auto [code, output] = run_command(
        {gatehouse_binary(), "init", "--db", tenant_.db_url, "--issuer", tenant_.issuer, "--demo", "--demo-callback",
         "http://localhost:3000/callback", "--demo-callback", "http://127.0.0.1:3000/callback"},
        {"GATEHOUSE_BOOTSTRAP_CLIENT_ID=" + tenant_.mgmt_client_id,
         "GATEHOUSE_BOOTSTRAP_CLIENT_SECRET=" + tenant_.mgmt_client_secret});
    if (code != 0) throw std::runtime_error("gatehouse init failed: " + output);
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        if (line.size() > 30 && line.starts_with("  "))
            tenant_.init_output[trim(line.substr(0, 30))] = trim(line.substr(30));
    }
    tenant_.demo_client_id = tenant_.init_output["demo SPA client_id"];

    std::vector<std::string> argv = {gatehouse_binary(),
                                     "serve",
                                     "--db",
                                     tenant_.db_url,
                                     "--issuer",
                                     tenant_.issuer,
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(tenant_.port),
                                     "--threads",
                                     "2"};
    argv.insert(argv.end(), extra_serve_args.begin(), extra_serve_args.end());
    auto log_path = tenant_.dir + "/server.log";
    pid_ = fork();
    if (pid_ == 0) {
        int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        dup2(fd, 1);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            HttpClient probe("127.0.0.1", tenant_.port);
            probe.set_timeout(std::chrono::milliseconds(500));
            if (probe.get("/healthz").status == 200) return;
        } catch (const std::exception&) {
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("gatehouse serve exited: " + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    throw std::runtime_error("gatehouse serve did not become healthy: " + log());
}

GatehouseProcess::~GatehouseProcess() {
    stop();
    std::error_code ec;
    fs::remove_all(tenant_.dir, ec);
}

void GatehouseProcess::stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::pair<int, std::string> GatehouseProcess::cli(const std::vector<std::string>& args, bool with_stderr) const {
    std::vector<std::string> argv = {gatehouse_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--db", tenant_.db_url, "--issuer", tenant_.issuer});
    return run_command(argv, {}, with_stderr);
}

std::string GatehouseProcess::log() const {
    std::ifstream in(tenant_.dir + "/server.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace gatehouse::testing
