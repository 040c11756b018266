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

/**
 * Sends the head, then body bytes as fast as the socket takes them (chunked framing when
 * `chunked`), until the server answers or `total` bytes are sent. Resolves with the answer
 * and how many body bytes had been handed to the socket when it came: a server that stops
 * reading early answers long before `total` (the socket's buffers hold a few MiB at most).
 */
export function sendUntilAnswered(port: number, head: string, total: number, chunked: boolean): Promise<{ answer: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let answer = "";
    let sent = 0;
    let answeredAt: number | undefined;
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(head);
      pump();
    });
    const frame = (bytes: Uint8Array) => (chunked ? Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from("\r\n")]) : bytes);
    function pump(): void {
      while (answeredAt === undefined && sent < total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += piece.length;
        if (!socket.write(frame(piece))) return void socket.once("drain", pump);
      }
      if (sent >= total && chunked && answeredAt === undefined) socket.write("0\r\n\r\n");
    }
    socket.setEncoding("utf8");
    socket.on("data", (data: string) => {
      answeredAt ??= sent;
      answer += data;
    });
    // The server closes the connection after its 413 (Connection: close); a write after that fails.
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error)));
    socket.on("close", () => resolve({ answer, sent: answeredAt ?? sent }));
  });
}
