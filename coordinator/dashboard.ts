/**
 * The dashboard's static files (`web/`: plain HTML, CSS and ES modules, no build step)
 * served by the coordinator at `/`. The folder is found next to this module's parent: the
 * repository's `web/` when run from the sources (`coordinator/../web/`) and `dist/web/`
 * when run from the build (`dist/coordinator/../web/`; `npm run build` copies it there).
 * Only plain file names inside that folder are served, read from disk on each request (the
 * files are small), with a strict Content-Security-Policy: the page loads nothing from
 * elsewhere and runs no inline script.
 * @module
 */
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";

/** The dashboard's folder (see the module header). */
export const WEB_ROOT = new URL("../web/", import.meta.url);

/** Content types of the files the dashboard is made of. */
const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** A served name: one path segment of letters, digits, `-`, `_` and one extension. */
const FILE_NAME = /^[A-Za-z0-9_-]+\.[a-z]+$/;

/**
 * Same-origin only: scripts are the dashboard's modules, data comes from this coordinator's
 * API and event stream, pictures are inline SVG.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Serves the dashboard's files. */
export class Dashboard {
  constructor(private readonly root: URL = WEB_ROOT) {}

  /**
   * Answers `GET`/`HEAD` of `/` (index.html) and `/<file>`; returns false when `path` is not
   * one of the dashboard's files, so that the caller answers 404.
   */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const name = path === "/" ? "index.html" : path.slice(1);
    const type = TYPES[extname(name)];
    if (!FILE_NAME.test(name) || type === undefined) return false;
    let body: Buffer;
    try {
      body = await readFile(fileURLToPath(new URL(name, this.root)));
    } catch {
      return false;
    }
    res.writeHead(200, {
      "content-type": type,
      "content-length": body.length,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      ...(type.startsWith("text/html") ? { "content-security-policy": CSP } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  }
}
