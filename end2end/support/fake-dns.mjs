// A DNS server for the end-to-end tests' "Verifica DNS", on 127.0.0.1 (UDP, a free port that
// it prints). A name whose first label starts with "dns-ok" publishes the provider's records
// (the settings' defaults); "dns-ko" points its MX elsewhere and has no SPF; any other name
// does not exist. scripts/test.sh starts it and gives its address to the server.
import dgram from "node:dgram";

const MX = "mx.pec.fornitore.it";
const SPF = "v=spf1 include:spf.pec.fornitore.it -all";
const TYPE_MX = 15;
const TYPE_TXT = 16;

/** The question's name (labels joined) and where the question ends. */
function readName(msg, at) {
  const labels = [];
  // A malformed question (no end, or a compression pointer) ends the name: never loop past
  // the packet.
  while (at < msg.length && msg[at] !== 0 && msg[at] < 64) {
    const len = msg[at];
    labels.push(msg.subarray(at + 1, at + 1 + len).toString("ascii"));
    at += 1 + len;
  }
  return [labels.join(".").toLowerCase(), at + 1];
}

function encodeName(name) {
  const parts = name.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "ascii")]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

function answer(type, rdata) {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // the question's name
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4); // IN
  head.writeUInt32BE(60, 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

function records(name, type) {
  const first = name.split(".")[0];
  if (first.startsWith("dns-ok")) {
    if (type === TYPE_MX) return [answer(TYPE_MX, Buffer.concat([Buffer.from([0, 10]), encodeName(MX)]))];
    if (type === TYPE_TXT) {
      const txt = Buffer.from(SPF, "ascii");
      return [answer(TYPE_TXT, Buffer.concat([Buffer.from([txt.length]), txt]))];
    }
    return [];
  }
  if (first.startsWith("dns-ko")) {
    if (type === TYPE_MX) return [answer(TYPE_MX, Buffer.concat([Buffer.from([0, 10]), encodeName("mail.altro.it")]))];
    return [];
  }
  return null; // NXDOMAIN
}

const server = dgram.createSocket("udp4");
server.on("message", (msg, from) => {
  if (msg.length < 12) return;
  const [name, end] = readName(msg, 12);
  if (end + 4 > msg.length) return;
  const type = msg.readUInt16BE(end);
  const question = msg.subarray(12, end + 4);
  const found = records(name, type);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(msg.readUInt16BE(0), 0);
  // QR, the query's opcode and RD, AA, RA; NXDOMAIN (3) for an unknown name.
  const flags = 0x8000 | (msg.readUInt16BE(2) & 0x7900) | 0x0400 | 0x0080 | (found === null ? 3 : 0);
  head.writeUInt16BE(flags, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(found ? found.length : 0, 6);
  server.send(Buffer.concat([head, question, ...(found ?? [])]), from.port, from.address);
});
server.bind(0, "127.0.0.1", () => {
  console.log(`127.0.0.1:${server.address().port}`);
});
// Ends with the test script (it kills this process), or after two hours at most.
setTimeout(() => process.exit(0), 2 * 3600 * 1000).unref();
