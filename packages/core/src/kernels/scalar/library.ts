// Math, string, date and hash functions register themselves here (see registry.ts).
export {};
