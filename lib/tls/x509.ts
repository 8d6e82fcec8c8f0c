/**
 * The one door to `@peculiar/x509`. The library resolves its algorithm providers through
 * tsyringe, which throws at import time unless a Reflect metadata polyfill is loaded
 * first; importing it here, before the library, keeps that ordering in one place. Every
 * module of lib/tls imports X.509 from this file, never from the package.
 */
import "reflect-metadata";

export * from "@peculiar/x509";
