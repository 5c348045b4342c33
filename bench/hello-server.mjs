import Fastify from 'fastify';

/* The start benchmark's baseline: a hello-world Fastify server, started the way the app is (plain node). */

const app = Fastify({ logger: false });
app.get('/healthz', async () => 'ok');
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => void app.close().then(() => process.exit(0)));
