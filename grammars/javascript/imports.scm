; Import bindings: @source is the module, @default a name bound to the whole module,
; @named a destructured / named import (resolved to module.name in callees). The `require`
; bindings are in requires.scm (same captures).

(import_statement
  (import_clause (identifier) @default)
  source: (string) @source)

(import_statement
  (import_clause (namespace_import (identifier) @default))
  source: (string) @source)

(import_statement
  (import_clause (named_imports (import_specifier) @named))
  source: (string) @source)
