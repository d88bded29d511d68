; Call-graph facts for JavaScript/JSX (semdiff/relevance/extract_js.py), one query per file.
; The @unit.* patterns mirror units.scm (same order) so definitions get the units' qualnames.

(function_declaration name: (identifier) @name) @unit.function
(generator_function_declaration name: (identifier) @name) @unit.function
(class_declaration name: (_) @name) @unit.class
(method_definition name: (_) @name) @unit.method
(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression) (generator_function)] @unit.function)
(variable_declarator name: (identifier) @name value: (class) @unit.class)
(assignment_expression
  left: [(identifier) (member_expression)] @name
  right: [(arrow_function) (function_expression)] @unit.function)
(pair
  key: [(property_identifier) (string)] @name
  value: [(arrow_function) (function_expression)] @unit.function)
(field_definition
  property: (property_identifier) @name
  value: [(arrow_function) (function_expression)] @unit.function)

; calls (require(...) and route registrations are told apart in Python)
(call_expression function: (_) @callee) @call
(new_expression constructor: (_) @callee) @call

; ES modules and CommonJS exports
(import_statement) @import
(export_statement) @export
(assignment_expression left: (member_expression) @lhs right: (_) @rhs) @assign
