// A simulated alarm transmission device for the browser tests: registers a facility and its
// device through the API, then sends one SIA DC-09 ADM-CID fire alarm (Contact ID 1110) over
// TCP to the server's DC-09 listener and waits for the receiver's ACK.

import net from "node:net";

/** CRC-16/ARC (poly 0xA001 reflected, init 0) over the bytes of `text`. */
export function crc16arc(text) {
  let crc = 0;
  for (const byte of Buffer.from(text, "latin1")) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

const hex4 = (n) => n.toString(16).toUpperCase().padStart(4, "0");

/** One DC-09 frame: LF, CRC, 0LLL length, the body, CR. The timestamp is UTC. */
export function frame({ account, seq = 1, event = "1110", group = "00", zone = "001", now = new Date() }) {
  const p2 = (n) => String(n).padStart(2, "0");
  const ts = `_${p2(now.getUTCHours())}:${p2(now.getUTCMinutes())}:${p2(now.getUTCSeconds())},${p2(now.getUTCMonth() + 1)}-${p2(now.getUTCDate())}-${now.getUTCFullYear()}`;
  const body = `"ADM-CID"${String(seq).padStart(4, "0")}R0L0#${account}[#${account}|${event} ${group} ${zone}]${ts}`;
  return `\n${hex4(crc16arc(body))}0${body.length.toString(16).toUpperCase().padStart(3, "0")}${body}\r`;
}

/** Sends `text` over TCP and resolves to the first reply frame. */
export function sendTcp(port, text) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => socket.write(text, "latin1"));
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no DC-09 reply within 10 s (got ${JSON.stringify(reply)})`));
    }, 10000);
    socket.on("data", (d) => {
      reply += d.toString("latin1");
      if (reply.includes("\r")) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/**
 * Registers a facility in Ba Đình with a device, then sends a fire alarm from it.
 * `call` is an API session of an administrator. Resolves to the receiver's reply.
 */
export async function sendFireAlarm(server, call, { account = "1234AB", contacts = [] } = {}) {
  const facility = await call("POST", "/api/facilities", {
    name: "Tòa nhà thử nghiệm Ba Đình",
    address: "Số 2 phố Trúc Bạch, phường Ba Đình",
    lat: 21.0442,
    lon: 105.8431,
    unit_code: "00004",
    kind: "office",
    floors: 9,
    contacts,
  });
  if (facility.status >= 300) throw new Error(`cannot register the facility: ${JSON.stringify(facility.body)}`);
  const device = await call("POST", "/api/devices", { account, facility_id: facility.body.id, allow_plain: true });
  if (device.status >= 300) throw new Error(`cannot register the device: ${JSON.stringify(device.body)}`);
  const reply = await sendTcp(server.dc09, frame({ account }));
  if (!reply.includes('"ACK"')) throw new Error(`the receiver did not ACK: ${JSON.stringify(reply)}`);
  return reply;
}
