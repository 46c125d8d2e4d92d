/** Small helpers for talking JSON to a gateway in tests. */

let defaultHeaders: Record<string, string> = {};

/** The key every request from these helpers carries unless told otherwise (`startSystem` sets its admin key). */
export function useApiKey(key: string | undefined): void {
  defaultHeaders = key ? { "x-api-key": key } : {};
}

/** The headers of the key in use, for requests made without these helpers (fetch, SDK clients). */
export function apiKeyHeaders(): Record<string, string> {
  return { ...defaultHeaders };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface RequestInit {
  method?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** false: send no key (not even the default one). */
  auth?: boolean;
}

export async function requestJson(url: string, init: RequestInit = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...(init.auth === false ? {} : defaultHeaders), ...init.headers };
  let body: string | undefined;
  if (init.rawBody !== undefined) body = init.rawBody;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetch(url, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: the raw text is the body.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Like requestJson, over node:http, which (unlike fetch) sends `Host` and `Origin` as given. */
export async function requestJsonRaw(url: string, init: Omit<RequestInit, "rawBody"> = {}): Promise<JsonResponse> {
  const { request } = await import("node:http");
  const target = new URL(url);
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  const headers: Record<string, string> = {
    ...(init.auth === false ? {} : defaultHeaders),
    ...(body ? { "content-type": "application/json" } : {}),
    ...init.headers,
  };
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: init.method ?? (body ? "POST" : "GET"),
        headers,
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (piece: string) => {
          text += piece;
        });
        response.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON: the raw text is the body.
          }
          const responseHeaders = new Headers();
          for (const [key, value] of Object.entries(response.headers)) if (typeof value === "string") responseHeaders.set(key, value);
          resolve({ status: response.statusCode ?? 0, headers: responseHeaders, body: parsed });
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}
