// PostGraphile v4 over the gateway's read-model tables, with row-level security on: the peer
// that bench/graphql_read.py measures the gateway against.
//
// Every request is authenticated like the gateway does it: the same HS256 bearer token
// (`mentoring token --tenant arec --role coordinator`, same secret, audience and issuer),
// and its `tenant` claim (a PIN slug) becomes the PIN's id, uuid5(NAMESPACE_URL,
// "urn:mentoring:pin:<slug>") as domain.pin.pin_id_for computes it. PostGraphile then runs each
// request in a transaction with `SET LOCAL role mentoring_gateway` (owns no table, so the
// policies apply) and `set_config('app.tenant_id', <id>, true)`: the same reader role and setting
// as projections/database.py.
//
// Environment: DATABASE_URL (the read models' database; the user must be a member of
// READER_ROLE), PORT (5000), HOST (127.0.0.1), SCHEMA (readmodels), READER_ROLE
// (mentoring_gateway), JWT_SECRET (MENTORING_JWT_SECRET's value), JWT_AUDIENCE / JWT_ISSUER
// (mentoring), POOL_SIZE (10), WORKERS (1: one process, like `mentoring serve`).
// Install outside the repository (NODE_PATH=/tmp/pg-bench/node_modules): see bench/README-gateway.md.

"use strict";

const cluster = require("cluster");
const crypto = require("crypto");
const http = require("http");
const path = require("path");

const env = process.env;
const workers = parseInt(env.WORKERS || "1", 10);

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i += 1) cluster.fork();
  cluster.on("exit", (worker, code) => {
    console.error(`worker ${worker.process.pid} exited (${code})`);
    process.exit(1);
  });
} else {
  serve();
}

function pinId(slug) {
  // uuid5(NAMESPACE_URL, name), as Python's uuid.uuid5 computes it.
  const namespace = Buffer.from("6ba7b8119dad11d180b400c04fd430c8", "hex");
  const hash = crypto.createHash("sha1").update(namespace).update(`urn:mentoring:pin:${slug}`).digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function serve() {
  const { Pool } = require("pg");
  const jwt = require("jsonwebtoken");
  const { postgraphile } = require("postgraphile");
  const { makePgSmartTagsFromFilePlugin } = require("postgraphile/plugins");

  const secret = env.JWT_SECRET;
  if (!secret) throw new Error("Set JWT_SECRET (the gateway's MENTORING_JWT_SECRET).");
  const readerRole = env.READER_ROLE || "mentoring_gateway";
  const verifyOptions = {
    algorithms: ["HS256"],
    audience: env.JWT_AUDIENCE || "mentoring",
    issuer: env.JWT_ISSUER || "mentoring",
  };
  const pool = new Pool({
    connectionString: env.DATABASE_URL,
    max: parseInt(env.POOL_SIZE || "10", 10),
  });

  function unauthenticated(message) {
    const error = new Error(message);
    error.statusCode = 401;
    return error;
  }

  const middleware = postgraphile(pool, env.SCHEMA || "readmodels", {
    appendPlugins: [makePgSmartTagsFromFilePlugin(path.join(__dirname, "postgraphile.tags.json5"))],
    pgSettings: async (req) => {
      const header = req.headers.authorization || "";
      const [scheme, token] = header.split(" ");
      if (!scheme || scheme.toLowerCase() !== "bearer" || !token) {
        throw unauthenticated("A bearer token is required (Authorization: Bearer <token>).");
      }
      let claims;
      try {
        claims = jwt.verify(token, secret, verifyOptions);
      } catch (e) {
        throw unauthenticated("The token is not valid.");
      }
      if (!["coordinator", "mentor"].includes(claims.role) || typeof claims.tenant !== "string") {
        throw unauthenticated("The token names no PIN.");
      }
      return { role: readerRole, "app.tenant_id": pinId(claims.tenant) };
    },
    graphiql: false,
    disableQueryLog: true,
    watchPg: false,
    retryOnInitFail: false,
    disableDefaultMutations: true,
    ignoreRBAC: false,
    legacyRelations: "omit",
    setofFunctionsContainNulls: false,
    extendedErrors: ["errcode"],
  });

  const server = http.createServer(middleware);
  server.keepAliveTimeout = 65000;
  const port = parseInt(env.PORT || "5000", 10);
  server.listen(port, env.HOST || "127.0.0.1", () => {
    console.error(`postgraphile ${require("postgraphile/package.json").version} pid ${process.pid} on :${port}/graphql`);
  });
}
