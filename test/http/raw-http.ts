// Raw HTTP over TCP (node:net), for what fetch cannot send: HTTP/1.0 without Host, a Host
// that is not a valid URL authority, a body cut off when the client hangs up.
import { connect } from "node:net";

/** Sends `request` as written and resolves with everything the server answered. */
export function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = "";
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (answer += chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
  });
}

/** Sends the head and part of the body of `request`, then drops the connection. */
export function hangUpMidBody(port: number, request: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request, () => socket.destroy()));
    socket.on("error", reject);
    socket.on("close", () => resolve());
  });
}

/** The status code and JSON body of a raw HTTP answer. */
export function parseAnswer(answer: string): { status: number; body: unknown } {
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1]);
  const text = answer.slice(answer.indexOf("\r\n\r\n") + 4);
  return { status, body: text === "" ? undefined : JSON.parse(text) };
}
