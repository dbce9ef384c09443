export * from './signaling';
export * from './call-media';
