/** Small helpers for talking JSON to a gateway in tests. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function requestJson(
  url: string,
  init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...init.headers };
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
export async function requestJsonRaw(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const { request } = await import("node:http");
  const target = new URL(url);
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  const headers: Record<string, string> = { ...(body ? { "content-type": "application/json" } : {}), ...init.headers };
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
