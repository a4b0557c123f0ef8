// cli: the `gatehouse` command line (serve, init, pkce, user add, keys rotate, migrate) and the
// composition root that wires a store, keys, connections and the HTTP server together. Only this
// module names concrete backends; everything below it works through interfaces.
#pragma once

namespace gatehouse::cli {

int run(int argc, char** argv);

}  // namespace gatehouse::cli
