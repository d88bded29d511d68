; Route and middleware registrations (net/http, gorilla/mux, chi, gin, echo):
;   mux.Handle("/admin", auth(h))   r.Use(mw)   r.With(auth).Get(...)   r.GET("/x", AuthRequired(), h)
;   http.ListenAndServe(":8080", auth(mux))
; @registration is the call; semdiff/lang/ts_go.py unwraps the handler argument to find the
; middleware that wrap it.

((call_expression
   function: (selector_expression field: (field_identifier) @method)) @registration
 (#match? @method "^(Handle|HandleFunc|Use|With|Group|GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|Any|Get|Post|Put|Delete|Patch|Route|Mount|Method|MethodFunc|ListenAndServe|ListenAndServeTLS)$"))

((call_expression function: (identifier) @method) @registration
 (#match? @method "^(Handle|HandleFunc)$"))
