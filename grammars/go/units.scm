; Where a unit starts in Go. Methods are qualified by their receiver type in
; semdiff/lang/ts_go.py (`func (s *Server) Handle` -> `Server.Handle`).
; Anonymous func literals passed as arguments are not units: their code belongs to the
; enclosing function (a handler registered inline stays with its registration).

(function_declaration name: (identifier) @name) @unit.function
(method_declaration name: (field_identifier) @name) @unit.method

; check := func(r *http.Request) bool { ... }
(short_var_declaration
  left: (expression_list . (identifier) @name)
  right: (expression_list . (func_literal) @unit.function))

; var check = func(...) { ... }
(var_spec
  name: (identifier) @name
  value: (expression_list . (func_literal) @unit.function))
