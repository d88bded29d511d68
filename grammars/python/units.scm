; Where a unit starts in Python (read by semdiff/lang/ts_python.py, the error-tolerant
; fallback used when libcst cannot parse a file version). @unit.<kind> is the unit node,
; @name its name. Definitions are matched anywhere, also inside ERROR nodes, so a syntax
; error elsewhere in the file does not lose the functions around it. Methods and nested
; functions are qualified from the nesting of the matched nodes, as libcst's walk does.

(function_definition name: (identifier) @name) @unit.function
(class_definition name: (identifier) @name) @unit.class
