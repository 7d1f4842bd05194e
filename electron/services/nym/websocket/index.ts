// Public surface of the nym-client websocket layer (protocol codecs + the one I/O client).
// Re-exports only; nothing here may add behaviour.
export * from './address';
export * from './binary-codec';
export * from './client';
export * from './errors';
export * from './messages';
export * from './model';
