import { compose, createStaticHandler, type Middleware, Router, serve } from "@zhttp/zhttp";

// A middleware: every answer says who sent it.
const poweredBy: Middleware = (next) => (req, res) => {
  res.setHeader("X-Powered-By", "zhttp");
  return next(req, res);
};

const router = new Router()
  .get("/api/hello/:name", (req, res) => res.end(`Hello, ${req.params.name}!\n`))
  .fallback(createStaticHandler({ root: "public" }));

const port = Number(Deno.env.get("PORT") ?? 8080);
const server = serve({ handler: compose(router.handler(), poweredBy), port });
console.log(`Serving public/ on http://localhost:${server.addr.port}/`);
