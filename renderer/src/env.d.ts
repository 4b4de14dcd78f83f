// Vite handles stylesheet imports; the type checker only needs to know they exist.
declare module '*.css';
