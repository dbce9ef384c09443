export * from './signaling';
export * from './call-media';
export * from './http';
