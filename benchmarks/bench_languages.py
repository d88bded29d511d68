"""Benchmark: parse + IR extraction per tree-sitter language (issue 7: < 3 s per 100k lines).

    python benchmarks/bench_languages.py [--lines 100000] [--runs 5] [--languages javascript,go]
    python benchmarks/bench_languages.py --write DIR     # write the generated corpus, no timing

For each language a corpus of realistic source files (about 300 lines each) is generated
deterministically from templates -- Express routes and middleware with JSX views for
JavaScript, typed route handlers and a TSX route component for TypeScript, net/http handlers
with `if err != nil { return }` and `tls.Config` for Go, Spring controllers with security
annotations for Java -- and every file is handed to the backend the registry picks for its
path, exactly as the pipeline's `_parse` does (`backend_for(path, first_line).parse(path,
text)`). One untimed warm-up pass loads grammars and queries; the figure is the median over
`--runs` passes of the whole corpus.

By default the corpus is parsed the way the pipeline parses a change of that many files: by
the parse pool (semdiff/parse_pool.py), one process per CPU, this one included (it takes the
files no forked worker has started); every file a worker parsed comes back as the pipeline's
results do, pickled by the pool (semdiff/parse_pool.py `_worker`), and is unpickled here, inside
the timed pass: this process holds every file's whole ParsedFile at the end. `--jobs 1` times
one process doing everything. The
process is set up as the command sets up its own (semdiff.cli is imported first: its garbage
collector thresholds, precompiled dataclass methods), since the pipeline runs in that process.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parent))

import machine_speed  # noqa: E402  (benchmarks/machine_speed.py)
import semdiff.cli  # noqa: E402,F401  the command's process set-up, before anything else of semdiff
from semdiff.lang.registry import backend_for  # noqa: E402

ROLES = ("admin", "editor", "viewer", "owner", "auditor")
RESOURCES = ("users", "orders", "invoices", "projects", "reports", "tokens", "teams", "files", "events", "keys")


# ---------------------------------------------------------------- JavaScript (with JSX)
def js_block(i: int) -> str:
    res = RESOURCES[i % len(RESOURCES)]
    role = ROLES[i % len(ROLES)]
    return f"""
// ---- {res} #{i} ----
const {res}Schema{i} = ['id', 'name', 'ownerId', 'createdAt'];
const allowed{i} = new Set(['{role}', 'admin']);

function requireRole{i}(role) {{
  return function (req, res, next) {{
    if (!req.user) {{
      return res.status(401).json({{ error: 'unauthenticated' }});
    }}
    if (!allowed{i}.has(req.user.role) && req.user.role !== role) {{
      return next(new Error('forbidden'));
    }}
    next();
  }};
}}

async function load{res.title()}{i}(req, res, next) {{
  try {{
    const token = req.headers.authorization || '';
    const claims = jwt.verify(token.replace('Bearer ', ''), process.env.SECRET, {{ algorithms: ['HS256'] }});
    const item = await db.{res}.findOne({{ where: {{ id: req.params.id, ownerId: claims.sub }} }});
    if (item == null) {{
      res.status(404).send('not found');
      return;
    }}
    if (!crypto.timingSafeEqual(Buffer.from(item.etag), Buffer.from(req.get('if-match') || ''))) {{
      logger.warn('etag mismatch', item.id);
    }}
    res.json({{ data: {res}Schema{i}.map((k) => item[k]) }});
  }} catch (err) {{
    logger.error(err);
    next(err);
  }}
}}

router.get('/{res}/{i}/:id', requireAuth, requireRole{i}('{role}'), load{res.title()}{i});
router.post('/{res}/{i}', requireAuth, csrfProtection, async (req, res) => {{
  if (!req.body || typeof req.body.name !== 'string' || req.body.name.length > 200) {{
    return res.status(400).json({{ error: 'invalid' }});
  }}
  const created = await db.{res}.create({{ name: req.body.name, ownerId: req.user.id }});
  res.status(201).json(created);
}});

export function {res.title()}Panel{i}({{ user, items }}) {{
  if (!user || !user.roles.includes('{role}')) {{
    return <Navigate to="/login" replace />;
  }}
  return (
    <section className="panel">
      <h2>{{user.name}}</h2>
      <ul>{{items.filter((x) => x.visible).map((x) => <li key={{x.id}}>{{x.name}}</li>)}}</ul>
    </section>
  );
}}
"""


def js_file(n: int, blocks: range) -> str:
    head = (
        "'use strict';\n"
        "const express = require('express');\n"
        "const jwt = require('jsonwebtoken');\n"
        "const crypto = require('crypto');\n"
        "const { requireAuth, csrfProtection } = require('./auth');\n"
        "import { Navigate } from 'react-router-dom';\n"
        "const router = express.Router();\n"
        "const logger = require('./logger');\n"
        "router.use(express.json({ limit: '1mb' }));\n"
        "router.use(requireAuth);\n"
    )
    return head + "".join(js_block(i) for i in blocks) + "\nmodule.exports = router;\n"


# ---------------------------------------------------------------- TypeScript (.ts and .tsx)
def ts_block(i: int) -> str:
    res = RESOURCES[i % len(RESOURCES)]
    role = ROLES[i % len(ROLES)]
    return f"""
// ---- {res} #{i} ----
export interface {res.title()}Row{i} {{
  id: string;
  ownerId: string;
  roles: ReadonlyArray<Role>;
  createdAt: Date;
}}

type Handler{i} = (req: Request, res: Response, next: NextFunction) => Promise<void> | void;

export const require{res.title()}{i}: Handler{i} = (req, res, next) => {{
  const user = (req as AuthedRequest).user;
  if (!user) {{
    res.status(401).json({{ error: 'unauthenticated' }});
    return;
  }}
  if (!user.roles.includes('{role}' as Role) && user.id !== req.params.ownerId) {{
    throw new ForbiddenError('not allowed');
  }}
  next();
}};

export class {res.title()}Service{i} {{
  private readonly allowed: string[] = ['{role}', 'admin'];
  constructor(private readonly repo: Repository<{res.title()}Row{i}>, private readonly cfg: Config) {{}}

  async find(id: string, user: User): Promise<{res.title()}Row{i} | undefined> {{
    const row = await this.repo.findOne({{ where: {{ id }} }});
    if (row === undefined || row.ownerId !== user.id) {{
      return undefined;
    }}
    return row;
  }}

  canEdit(user: User, row: {res.title()}Row{i}): boolean {{
    return this.allowed.includes(user.role) || row.ownerId === user.id!;
  }}
}}

router.get('/{res}/{i}/:id', authenticate, require{res.title()}{i}, async (req: Request, res: Response) => {{
  const svc = new {res.title()}Service{i}(repo, config);
  const row = await svc.find(req.params.id, (req as AuthedRequest).user);
  if (!row) {{
    return res.status(404).end();
  }}
  res.json(row);
}});
"""


def tsx_block(i: int) -> str:
    res = RESOURCES[i % len(RESOURCES)]
    role = ROLES[i % len(ROLES)]
    return f"""
// ---- route component {res} #{i} ----
type {res.title()}Props{i} = {{ user?: User; items: Array<{{ id: string; name: string }}> }};

export function Protected{res.title()}{i}({{ user, items }}: {res.title()}Props{i}): JSX.Element {{
  const {{ pathname }} = useLocation();
  if (!user) {{
    return <Navigate to={{`/login?next=${{pathname}}`}} replace />;
  }}
  if (!hasRole(user, '{role}')) {{
    return <Forbidden />;
  }}
  const visible = useMemo(() => items.filter((x) => x.name.length > 0), [items]);
  return (
    <Layout title="{res}">
      <Table<{{ id: string; name: string }}> rows={{visible}} onSelect={{(row) => navigate(`/{res}/${{row.id}}`)}} />
    </Layout>
  );
}}

export const {res.title()}Route{i} = (): JSX.Element => (
  <Route path="/{res}/{i}" element={{<Protected{res.title()}{i} user={{useUser()}} items={{[]}} />}} />
);
"""


def ts_file(n: int, blocks: range) -> str:
    head = (
        "import { Request, Response, NextFunction, Router } from 'express';\n"
        "import jwt from 'jsonwebtoken';\n"
        "import { authenticate } from './auth';\n"
        "import type { Role, User, Config, Repository, AuthedRequest } from './types';\n"
        "const router = Router();\n"
    )
    return head + "".join(ts_block(i) for i in blocks) + "\nexport default router;\n"


def tsx_file(n: int, blocks: range) -> str:
    head = (
        "import React, { useMemo } from 'react';\n"
        "import { Navigate, Route, useLocation, useNavigate } from 'react-router-dom';\n"
        "import { hasRole, useUser } from './auth';\n"
        "import type { User } from './types';\n"
    )
    return head + "".join(tsx_block(i) for i in blocks)


# ---------------------------------------------------------------- Go
def go_block(i: int) -> str:
    res = RESOURCES[i % len(RESOURCES)]
    t = res.title()
    return f"""
// {t}Handler{i} serves /{res}/{i}.
type {t}Handler{i} struct {{
	store  Store
	secret []byte
	log    *slog.Logger
}}

func (h *{t}Handler{i}) ServeHTTP(w http.ResponseWriter, r *http.Request) {{
	token := r.Header.Get("Authorization")
	claims, err := h.verify(strings.TrimPrefix(token, "Bearer "))
	if err != nil {{
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}}
	if claims.Role != "admin" && claims.Subject != r.URL.Query().Get("owner") {{
		http.Error(w, "forbidden", 403)
		return
	}}
	item, err := h.store.Load(r.Context(), r.URL.Path)
	if err != nil {{
		h.log.Error("load failed", "err", err)
		return
	}}
	if subtle.ConstantTimeCompare([]byte(item.ETag), []byte(r.Header.Get("If-Match"))) != 1 {{
		w.WriteHeader(http.StatusPreconditionFailed)
		return
	}}
	if err := json.NewEncoder(w).Encode(item); err != nil {{
		h.log.Warn("encode", "err", err)
	}}
}}

func (h *{t}Handler{i}) verify(raw string) (*Claims, error) {{
	tok, err := jwt.ParseWithClaims(raw, &Claims{{}}, func(t *jwt.Token) (interface{{}}, error) {{
		return h.secret, nil
	}})
	if err != nil {{
		return nil, fmt.Errorf("parse: %w", err)
	}}
	claims, ok := tok.Claims.(*Claims)
	if !ok || !tok.Valid {{
		return nil, errors.New("invalid token")
	}}
	return claims, nil
}}

func newClient{i}(caFile string) (*http.Client, error) {{
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(caFile)
	if err != nil {{
		return nil, err
	}}
	pool.AppendCertsFromPEM(pem)
	cfg := &tls.Config{{RootCAs: pool, MinVersion: tls.VersionTLS12, InsecureSkipVerify: false}}
	return &http.Client{{Transport: &http.Transport{{TLSClientConfig: cfg}}, Timeout: 10 * time.Second}}, nil
}}

func register{i}(mux *http.ServeMux, h *{t}Handler{i}) {{
	allowed := []string{{"GET", "POST", "HEAD"}}
	mux.Handle("/{res}/{i}", requireAuth(withMethods(allowed, h)))
	mux.HandleFunc("/{res}/{i}/health", func(w http.ResponseWriter, r *http.Request) {{
		w.WriteHeader(http.StatusOK)
	}})
}}
"""


def go_file(n: int, blocks: range) -> str:
    head = (
        f"package handlers{n}\n\n"
        "import (\n"
        '\t"crypto/subtle"\n\t"crypto/tls"\n\t"crypto/x509"\n\t"encoding/json"\n\t"errors"\n\t"fmt"\n'
        '\t"log/slog"\n\t"net/http"\n\t"os"\n\t"strings"\n\t"time"\n\n'
        '\t"github.com/golang-jwt/jwt/v5"\n)\n'
    )
    return head + "".join(go_block(i) for i in blocks)


# ---------------------------------------------------------------- Java (Spring)
def java_block(i: int) -> str:
    res = RESOURCES[i % len(RESOURCES)]
    t = res.title()
    role = ROLES[i % len(ROLES)].upper()
    return f"""
    private static final Set<String> ALLOWED_{i} = Set.of("{role}", "ADMIN");

    @GetMapping("/{res}/{i}/{{id}}")
    @PreAuthorize("hasRole('{role}')")
    public ResponseEntity<{t}Dto> get{t}{i}(@PathVariable("id") long id, Principal principal) {{
        {t}Entity entity = repository.findById(id).orElse(null);
        if (entity == null) {{
            return ResponseEntity.notFound().build();
        }}
        if (!entity.getOwner().equals(principal.getName()) && !ALLOWED_{i}.contains(currentRole())) {{
            throw new AccessDeniedException("not owner");
        }}
        return ResponseEntity.ok(mapper.toDto(entity));
    }}

    @PostMapping("/{res}/{i}")
    @Secured({{"ROLE_{role}"}})
    public ResponseEntity<{t}Dto> create{t}{i}(@RequestBody @Valid {t}Dto body) {{
        try {{
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] digest = md.digest(body.getName().getBytes(StandardCharsets.UTF_8));
            if (!MessageDigest.isEqual(digest, body.getChecksum())) {{
                return ResponseEntity.status(HttpStatus.BAD_REQUEST).build();
            }}
            return ResponseEntity.ok(mapper.toDto(repository.save(mapper.toEntity(body))));
        }} catch (NoSuchAlgorithmException e) {{
            log.error("digest unavailable", e);
            throw new IllegalStateException(e);
        }}
    }}

    @DeleteMapping("/{res}/{i}/{{id}}")
    @RolesAllowed("ADMIN")
    public void delete{t}{i}(@PathVariable long id, HttpServletResponse response) throws IOException {{
        if (id <= 0) {{
            response.sendError(400, "bad id");
            return;
        }}
        repository.deleteById(id);
    }}
"""


def java_file(n: int, blocks: range) -> str:
    head = (
        f"package com.example.api{n};\n\n"
        "import java.io.IOException;\nimport java.nio.charset.StandardCharsets;\n"
        "import java.security.MessageDigest;\nimport java.security.NoSuchAlgorithmException;\n"
        "import java.security.Principal;\nimport java.util.Set;\n"
        "import javax.annotation.security.RolesAllowed;\nimport javax.servlet.http.HttpServletResponse;\n"
        "import org.springframework.http.*;\nimport org.springframework.security.access.annotation.Secured;\n"
        "import org.springframework.security.access.prepost.PreAuthorize;\n"
        "import org.springframework.web.bind.annotation.*;\n\n"
        "@RestController\n@RequestMapping(\"/api\")\n"
        f"public class Controller{n} {{\n"
        "    private final Repository repository;\n    private final Mapper mapper;\n\n"
        f"    public Controller{n}(Repository repository, Mapper mapper) {{\n"
        "        this.repository = repository;\n        this.mapper = mapper;\n    }\n\n"
        "    @Configuration\n    static class Security {\n"
        "        @Bean\n        SecurityFilterChain chain(HttpSecurity http) throws Exception {\n"
        "            http.authorizeHttpRequests(a -> a.requestMatchers(\"/public/**\").permitAll()\n"
        "                .anyRequest().authenticated())\n                .csrf(c -> c.ignoringRequestMatchers(\"/hooks/**\"));\n"
        "            return http.build();\n        }\n    }\n"
    )
    return head + "".join(java_block(i) for i in blocks) + "}\n"


# ---------------------------------------------------------------- corpus
Maker = Callable[[int, range], str]
# language -> [(extension, file maker, blocks per file)]; blocks per file chosen for ~300 lines
LANGUAGES: dict[str, list[tuple[str, Maker, int]]] = {
    "javascript": [("js", js_file, 5)],
    "typescript": [("ts", ts_file, 5), ("tsx", tsx_file, 10)],
    "go": [("go", go_file, 4)],
    "java": [("java", java_file, 6)],
}


def corpus(language: str, lines: int) -> list[tuple[str, str]]:
    """(path, text) pairs totalling at least `lines` lines; same input -> same corpus."""
    out: list[tuple[str, str]] = []
    total = 0
    n = 0
    block = 0
    makers = LANGUAGES[language]
    while total < lines:
        ext, make, per = makers[n % len(makers)]
        text = make(n, range(block, block + per))
        block += per
        out.append((f"src/{language}/mod{n:04d}.{ext}", text))
        total += text.count("\n")
        n += 1
    return out


def parse_all(files: list[tuple[str, str]]) -> int:
    """What the pipeline does per file side (semdiff/pipeline.py `_parse`); returns units seen."""
    units = 0
    for path, text in files:
        backend = backend_for(path, text.split("\n", 1)[0])
        assert backend is not None, path
        parsed = backend.parse(path, text)
        if parsed.error:
            raise SystemExit(f"{path}: {parsed.error}")
        units += len(parsed.units)
    return units


def _parse_one(item: tuple[str, str]) -> object:
    """One file's ParsedFile, in whichever process parses it: a worker's goes back the way the
    pipeline's results do (`semdiff.pipeline` hands the pool each file's unit changes and units,
    pickled by `parse_pool._worker` and unpickled as they arrive here). The parse cache's
    encoding (semdiff/ir_codec.py) is checked field by field for an untrusted directory; the
    pool's pipe from a forked worker is trusted, and unpickling the IR costs half its decoding
    (measured on the bench corpora: benchmarks/README.md, session 15)."""
    path, text = item
    backend = backend_for(path, text.split("\n", 1)[0])
    assert backend is not None, path
    return backend.parse(path, text)


def _crashed(item: tuple[str, str]) -> object:
    raise SystemExit(f"{item[0]}: the worker parsing it died")


def parse_all_pooled(files: list[tuple[str, str]], jobs: int) -> int:
    """The same work spread over `jobs` forked processes and this one, the way the pipeline
    spreads a large change (semdiff/parse_pool.py): a new pool per pass, and every file a worker
    parsed sent back to this process as its whole ParsedFile through the pool's own trip (pickled
    there, unpickled here), so the transfer of the IR is timed too."""
    from semdiff import parse_pool

    results = parse_pool.map_files(files, _parse_one, jobs, _crashed)
    units = 0
    for (path, _), parsed in zip(files, results):
        if parsed is None:
            raise SystemExit(f"{path}: the IR did not survive the trip from the worker")
        if parsed.error:  # type: ignore[attr-defined]
            raise SystemExit(f"{path}: {parsed.error}")  # type: ignore[attr-defined]
        units += len(parsed.units)  # type: ignore[attr-defined]
    return units


def main() -> None:
    ap = argparse.ArgumentParser(description="tree-sitter backends: parse + IR extraction per language")
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--languages", default=",".join(LANGUAGES))
    ap.add_argument("--write", metavar="DIR", help="write the generated corpus under DIR and exit")
    ap.add_argument("--jobs", type=int, default=0,
                    help="processes, this one included (default 0: as many as the pipeline uses for a change of this "
                         "many files, semdiff.parse_pool.workers_for; 1: everything in this one process)")
    ap.add_argument("--no-speed-line", action="store_true",
                    help="leave out the machine-speed lines (their loop adds ~10G instructions under callgrind)")
    args = ap.parse_args()
    languages = [x for x in args.languages.split(",") if x]

    if args.write:
        for lang in languages:
            for path, text in corpus(lang, args.lines):
                target = Path(args.write) / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        return

    from semdiff import parse_pool

    jobs = args.jobs or parse_pool.workers_for(10_000)  # every corpus here has hundreds of files
    how = "one process" if jobs <= 1 else f"{jobs} processes, {jobs - 1} of them forked (the pipeline's pool)"
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f"; {how}")
    if not args.no_speed_line:
        print(machine_speed.line("before"))
    print(f"{'language':<11} {'files':>6} {'lines':>8} {'units':>7} {'median s':>9} {'min s':>7} {'lines/s':>9}  runs")
    for lang in languages:
        files = corpus(lang, args.lines)
        lines = sum(t.count("\n") for _, t in files)
        units = parse_all(files)  # warm-up: grammars, queries, regexes
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            if jobs > 1:
                assert parse_all_pooled(files, jobs) == units
            else:
                parse_all(files)
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        # normalised to exactly --lines lines so languages compare directly
        per = med * args.lines / lines
        print(f"{lang:<11} {len(files):>6} {lines:>8} {units:>7} {per:>9.2f} {min(times) * args.lines / lines:>7.2f} "
              f"{lines / med:>9,.0f}  " + " ".join(f"{t:.2f}" for t in times), flush=True)
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if not args.no_speed_line:
        print(machine_speed.line("after"))


if __name__ == "__main__":
    main()
