; Call-graph facts for Go (semdiff/relevance/extract_go.py), one query per file.
; The @unit.* patterns mirror units.scm (same order) so definitions get the units' qualnames.

(function_declaration name: (identifier) @name) @unit.function
(method_declaration name: (field_identifier) @name) @unit.method
(short_var_declaration
  left: (expression_list . (identifier) @name)
  right: (expression_list . (func_literal) @unit.function))
(var_spec
  name: (identifier) @name
  value: (expression_list . (func_literal) @unit.function))

(call_expression function: (_) @callee) @call
(import_spec) @import
(package_clause) @package
; declared types of parameters (receivers included) and struct fields, for `s.auth.Check()`
(parameter_declaration type: (_) @var.type) @param
(type_spec name: (type_identifier) @struct.name type: (struct_type) @struct.body)
