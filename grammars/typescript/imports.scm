; Import bindings: @source is the module, @default a name bound to the whole module,
; @named a destructured / named import (resolved to module.name in callees).

(import_statement
  (import_clause (identifier) @default)
  source: (string) @source)

(import_statement
  (import_clause (namespace_import (identifier) @default))
  source: (string) @source)

(import_statement
  (import_clause (named_imports (import_specifier) @named))
  source: (string) @source)

; const jwt = require('jsonwebtoken')
(variable_declarator
  name: (identifier) @default
  value: (call_expression
    function: (identifier) @_require
    arguments: (arguments . (string) @source))
  (#eq? @_require "require"))

; const { timingSafeEqual, verify: v } = require('crypto')
(variable_declarator
  name: (object_pattern [(shorthand_property_identifier_pattern) (pair_pattern)] @named)
  value: (call_expression
    function: (identifier) @_require
    arguments: (arguments . (string) @source))
  (#eq? @_require "require"))
