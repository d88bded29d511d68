; `require` bindings, with the captures of imports.scm (whose matches these join, in order).
; A tree without errors does not run this file: JavaScriptBackend.require_matches reads the
; same two patterns from the walk's variable_declarator nodes (tests/test_ts_walk_routes.py
; checks they agree).

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
