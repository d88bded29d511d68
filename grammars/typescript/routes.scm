; Route and middleware registrations (Express, Koa-router, Fastify-style):
;   router.get('/x', requireAuth, handler)   app.use(auth)   app.use('/api', auth, api)
; @registration is the call; semdiff/lang/ts_javascript.py reads its arguments (path first,
; handler last for verbs; every argument for `use`). Receivers that are plainly not routers
; (`res.get(...)`, `map.get(k)`, `headers.get(...)`) are excluded here.

((call_expression
   function: (member_expression
     object: (_) @router
     property: (property_identifier) @method)
   arguments: (arguments)) @registration
 (#match? @method "^(get|post|put|delete|patch|all|options|head|use|route)$")
 (#not-match? @router "^(res|req|request|response|ctx\\.(request|response)|map|cache|params|headers|searchParams|store|localStorage|sessionStorage|Object|Array|Reflect|JSON|Math|Promise|URLSearchParams)$"))
