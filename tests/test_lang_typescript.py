"""TypeScript/TSX backend: the guard IR it produces, asserted directly (independent of the rules)."""
from __future__ import annotations

import textwrap

import pytest

from semdiff.ir import Action, render
from semdiff.lang.registry import backend_for
from semdiff.lang.ts_typescript import TsxBackend, TypeScriptBackend


def unit(pf, qualname):
    found = [u for u in pf.units if u.qualname == qualname]
    assert found, f"no unit {qualname}; have {[u.qualname for u in pf.units]}"
    return found[0]


NEST = textwrap.dedent("""\
import { Controller, Delete, Get, Param, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

@Controller('projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Get()
  findAll(limit: number = 50): Project[] {
    return this.projects.findAll(limit);
  }

  @UseGuards(AuthGuard('jwt'), RolesGuard)
  @Delete(':id')
  remove(@Param('id') id: string, user: User): boolean {
    if ((user as Admin).level! < 3) {
      throw new ForbiddenException();
    }
    return this.projects.remove(id) !== undefined;
  }

  private readonly check = (u: User): boolean => u.active && u.verified;
}
""")

PAGE = textwrap.dedent("""\
import { Navigate } from 'react-router-dom';

export const AdminPage = ({ user }: { user?: User }) => {
  if (!user?.roles.includes('admin')) {
    return <Navigate to="/login" replace />;
  }
  return <UserTable />;
};
""")


def test_typescript_units_decorators_and_guards():
    pf = TypeScriptBackend().parse("src/projects.controller.ts", NEST)
    assert [u.qualname for u in pf.units] == [
        "<module>", "ProjectsController", "ProjectsController.constructor", "ProjectsController.findAll",
        "ProjectsController.remove", "ProjectsController.check"]
    cls = unit(pf, "ProjectsController")
    assert [d.name for d in cls.decorators] == ["Controller"] and cls.span.line == 4
    remove = unit(pf, "ProjectsController.remove")
    assert remove.params == ("id", "user") and remove.span.line == 13
    assert [d.name for d in remove.decorators] == ["UseGuards", "Delete"]
    assert [a.value for a in remove.decorators[0].args] == ['AuthGuard("jwt")', "RolesGuard"]
    kinds = [(g.action, g.kind) for g in remove.guards]
    assert (Action.DECORATOR, "decorator") in kinds
    (raise_,) = [g for g in remove.guards if g.action is Action.RAISE]
    # type assertions and non-null marks are see-through in conditions
    assert render(raise_.deny_when) == "(user as Admin).level < 3"
    assert raise_.deny_when.linear is not None and raise_.deny_when.linear.constant == 3
    (pred,) = [g for g in remove.guards if g.action is Action.PREDICATE]
    assert pred.span.line == 19
    assert [(s.key, s.literal, s.scope) for s in unit(pf, "ProjectsController.findAll").settings] == [("limit", 50, "default")]
    # decorator calls belong to the decorated method, not to the class
    assert "UseGuards" not in [c.callee for c in cls.calls]
    assert ("AuthGuard", "@nestjs/passport.AuthGuard") in pf.imports


def test_tsx_route_component_redirect():
    pf = TsxBackend().parse("src/pages/AdminPage.tsx", PAGE)
    u = unit(pf, "AdminPage")
    assert u.params == ("user",) and not pf.partial
    (g,) = [g for g in u.guards if g.action.denies]
    assert g.action is Action.ABORT and render(g.deny_when) == "not user?.roles.includes('admin')"
    assert g.span.line == 4


def test_tsx_needs_the_tsx_grammar():
    # the same text through the plain TypeScript grammar is a syntax error, marked partial
    pf = TypeScriptBackend().parse("x.ts", PAGE)
    assert pf.partial


@pytest.mark.parametrize("path,backend", [("a.ts", "TypeScriptBackend"), ("b.mts", "TypeScriptBackend"),
                                          ("c.cts", "TypeScriptBackend"), ("d.tsx", "TsxBackend")])
def test_registry_maps_typescript_extensions(path, backend):
    b = backend_for(path)
    assert type(b).__name__ == backend and b.language == "typescript"
