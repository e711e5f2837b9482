/**
 * A daemon's HTTP endpoint for operators (`--metrics-port`): `GET /metrics` is the Prometheus text
 * exposition of its {@link DaemonMetrics}, `GET /healthz` its health as JSON, 200 when healthy and
 * 503 otherwise (daemon/metrics.ts says when); anything else is 404. Nothing here changes state.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { OpmlError } from "../common/errors.ts";
import { DEFAULT_HEALTH_STALE_MS, type DaemonMetrics } from "./metrics.ts";

export class MetricsServerError extends OpmlError {
  override name = "MetricsServerError";
}

export interface MetricsServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to listen on (default 127.0.0.1; 0.0.0.0 for every interface). */
  host?: string;
  /** Health: how long without a pass that read the chain before /healthz answers 503. */
  staleMs?: number;
}

export interface MetricsServer {
  /** The port listened on (the one picked when 0 was asked). */
  port: number;
  /** `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

/** Starts serving `metrics`; a port that cannot be listened on is a {@link MetricsServerError}. */
export async function serveMetrics(metrics: DaemonMetrics, opts: MetricsServerOptions): Promise<MetricsServer> {
  const host = opts.host ?? "127.0.0.1";
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const answer = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return answer(405, "text/plain", "GET only\n");
    if (path === "/metrics") {
      metrics.text().then(
        (body) => answer(200, metrics.contentType, body),
        (err: unknown) => answer(500, "text/plain", `metrics failed: ${String(err)}\n`),
      );
    } else if (path === "/healthz") {
      const h = metrics.health(opts.staleMs ?? DEFAULT_HEALTH_STALE_MS);
      answer(h.healthy ? 200 : 503, "application/json", `${JSON.stringify(h)}\n`);
    } else answer(404, "text/plain", "not found: /metrics and /healthz are served\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new MetricsServerError(`cannot serve metrics on ${host}:${opts.port}`, {
          details: `${err.code ?? err.message}: choose another --metrics-port (or OPML_METRICS_PORT)`,
        }),
      ),
    );
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
