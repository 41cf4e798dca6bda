export { ZmtpPubSocket } from './pub-socket.js';
export type { ZmtpPubSocketOptions } from './pub-socket.js';
export { ZmtpSubSocket } from './sub-socket.js';
export type { ZmtpSubSocketOptions } from './sub-socket.js';
export { endpointBinds, parseTcpEndpoint } from './transport.js';
export type { TcpEndpoint } from './transport.js';
export { FrameDecoder, ZmtpProtocolError, encodeFrame, encodeGreeting, encodeMessage, parseGreeting } from './wire.js';
