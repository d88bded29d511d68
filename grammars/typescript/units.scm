; Where a unit (function, method, class, named closure) starts in TypeScript / TSX.
; @unit.<kind> is the unit node, @name its name; semdiff/lang/ts_common.py qualifies the
; name with the enclosing class / function. Anonymous callbacks are not units: their code
; belongs to the enclosing unit (a route handler's guards stay with its registration).

(function_declaration name: (identifier) @name) @unit.function
(generator_function_declaration name: (identifier) @name) @unit.function
(class_declaration name: (_) @name) @unit.class
(method_definition name: (_) @name) @unit.method

; const verify = (req, res, next) => { ... } / const check = function () { ... }
(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression) (generator_function)] @unit.function)

; const Foo = class { ... }
(variable_declarator name: (identifier) @name value: (class) @unit.class)

; module.exports.verify = function () { ... } / Foo.prototype.check = () => ...
(assignment_expression
  left: [(identifier) (member_expression)] @name
  right: [(arrow_function) (function_expression)] @unit.function)

; { verify: function () {...} } / { check: (x) => ... }
(pair
  key: [(property_identifier) (string)] @name
  value: [(arrow_function) (function_expression)] @unit.function)

(abstract_class_declaration name: (_) @name) @unit.class

; class fields holding a function: handle = (req: Request) => { ... }
(public_field_definition
  name: (property_identifier) @name
  value: [(arrow_function) (function_expression)] @unit.function)
