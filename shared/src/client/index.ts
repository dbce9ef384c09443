export * from './signaling';
export * from './call-media';
export * from './http';
export * from './uploads';
export * from './cases';
export * from './call-resume';
export * from './call-timing';
