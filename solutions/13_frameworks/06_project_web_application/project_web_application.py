"""Kata 13.6, project: a small task tracker over HTTP (FastAPI, synchronous SQLAlchemy).

The models, the response schemas, the app factory and the routes' signatures are given. You write
the lifespan and the session dependency, the input schemas' rules, and every handler.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Boolean, ForeignKey, String, create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    title: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int]  # 1 (low) to 5 (urgent)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


# -- schemas ------------------------------------------------------------------------------------

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


# BEGIN SOLUTION
class ProjectIn(BaseModel):
    """A new project: its name, stripped, then 1 to 100 characters. No other field."""

    model_config = ConfigDict(extra="forbid")

    name: Name


class TaskIn(BaseModel):
    """A new task: a title (stripped, then 1 to 200 characters) and a priority from 1 to 5 (3 when
    left out). No other field."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    priority: int = Field(default=3, ge=1, le=5)


class TaskPatch(BaseModel):
    """A change to a task: any of title, priority, done (with TaskIn's rules); null is refused."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    priority: int | None = Field(default=None, ge=1, le=5)
    done: bool | None = None


# END SOLUTION
# BEGIN STUB
# class ProjectIn(BaseModel):
#     """A new project: its name, stripped, then 1 to 100 characters. No other field."""
#
#     name: str  # TODO (task 2)
#
#
# class TaskIn(BaseModel):
#     """A new task: a title (stripped, then 1 to 200 characters) and a priority from 1 to 5 (3 when
#     left out). No other field."""
#
#     title: str  # TODO (task 3)
#     priority: int = 3  # TODO (task 3)
#
#
# class TaskPatch(BaseModel):
#     """A change to a task: any of title, priority, done (with TaskIn's rules); null is refused."""
#
#     title: str | None = None  # TODO (task 5)
#     priority: int | None = None  # TODO (task 5)
#     done: bool | None = None
# END STUB


class ProjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class ProjectSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    open_tasks: int  # tasks not done
    tasks: int  # all tasks


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    title: str
    priority: int
    done: bool


class TaskPage(BaseModel):
    items: list[TaskOut]
    total: int
    page: int
    size: int


# -- the engine and the sessions -------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One Engine on `app.state.database_url` for the app's life, a sessionmaker on `app.state.sessions`."""
    # BEGIN SOLUTION
    engine = create_engine(app.state.database_url)
    app.state.sessions = sessionmaker(engine)
    # END SOLUTION
    yield
    # BEGIN SOLUTION
    engine.dispose()
    # END SOLUTION


def get_session(request: Request) -> Iterator[Session]:
    """A new Session per request, closed when the request is done."""
    # BEGIN SOLUTION
    with request.app.state.sessions() as session:
        yield session
    # END SOLUTION


SessionDep = Annotated[Session, Depends(get_session)]
router = APIRouter()


# -- projects ----------------------------------------------------------------------------------------


@router.post("/projects", status_code=201, response_model=ProjectOut)
def create_project(data: ProjectIn, session: SessionDep) -> Project:
    """201 with the project; 409 {"detail": "project name taken"} when the name exists (the unique
    constraint decides); 422 for invalid input."""
    # BEGIN SOLUTION
    project = Project(name=data.name)
    session.add(project)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise HTTPException(status_code=409, detail="project name taken") from None
    return project
    # END SOLUTION


@router.get("/projects", response_model=list[ProjectSummary])
def list_projects(session: SessionDep) -> list[ProjectSummary]:
    """Every project with its counts of open and of all tasks, by name (ties by id): ONE SELECT."""
    # BEGIN SOLUTION
    rows = session.execute(
        select(
            Project.id,
            Project.name,
            # count(...) FILTER (WHERE ...): counts only the open tasks' rows (SQLite 3.30+, PostgreSQL)
            func.count(Task.id).filter(Task.done.is_(False)).label("open_tasks"),
            func.count(Task.id).label("tasks"),
        )
        .outerjoin(Task, Task.project_id == Project.id)
        .group_by(Project.id, Project.name)
        .order_by(Project.name, Project.id)
    )
    return [ProjectSummary.model_validate(row) for row in rows]
    # END SOLUTION


def project_or_404(session: Session, project_id: int) -> Project:
    """The project, or HTTPException 404 {"detail": "project not found"}."""
    # BEGIN SOLUTION
    project = session.get(Project, project_id)
    if project is None:
        raise HTTPException(status_code=404, detail="project not found")
    return project
    # END SOLUTION


# -- tasks -------------------------------------------------------------------------------------------


@router.post("/projects/{project_id}/tasks", status_code=201, response_model=TaskOut)
def create_task(project_id: int, data: TaskIn, session: SessionDep) -> Task:
    """201 with the new task (not done); 404 for an unknown project; 422 for invalid input."""
    # BEGIN SOLUTION
    project_or_404(session, project_id)
    task = Task(project_id=project_id, title=data.title, priority=data.priority, done=False)
    session.add(task)
    session.commit()
    return task
    # END SOLUTION


@router.get("/projects/{project_id}/tasks", response_model=TaskPage)
def list_tasks(
    project_id: int,
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    done: bool | None = None,
) -> TaskPage:
    """Page `page` of the project's tasks (only done or only open ones when `done` is given), by
    priority, highest first, then newest first (by id, highest first): `size` to a page, with the
    total. 404 for an unknown project.
    At most 3 statements, whatever the size of the page."""
    # BEGIN SOLUTION
    project_or_404(session, project_id)
    condition = Task.project_id == project_id
    if done is not None:
        condition = condition & (Task.done == done)
    total = session.scalar(select(func.count()).select_from(Task).where(condition)) or 0
    tasks = session.scalars(
        select(Task)
        .where(condition)
        .order_by(Task.priority.desc(), Task.id.desc())  # the id makes the order total: pages never overlap
        .limit(size)
        .offset((page - 1) * size)
    )
    return TaskPage(items=[TaskOut.model_validate(t) for t in tasks], total=total, page=page, size=size)
    # END SOLUTION


def task_or_404(session: Session, task_id: int) -> Task:
    """The task, or HTTPException 404 {"detail": "task not found"}."""
    # BEGIN SOLUTION
    task = session.get(Task, task_id)
    if task is None:
        raise HTTPException(status_code=404, detail="task not found")
    return task
    # END SOLUTION


@router.patch("/tasks/{task_id}", response_model=TaskOut)
def update_task(task_id: int, data: TaskPatch, session: SessionDep) -> Task:
    """Change only the fields that were sent; 200 with the task; 404; 422 (also for a null)."""
    # BEGIN SOLUTION
    task = task_or_404(session, task_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is None:  # sent as null: TaskPatch allows it, the columns do not
            raise HTTPException(status_code=422, detail=f"{field} may not be null")
        setattr(task, field, value)
    session.commit()
    return task
    # END SOLUTION


@router.delete("/tasks/{task_id}", status_code=204)
def delete_task(task_id: int, session: SessionDep) -> Response:
    """204 with no body; 404."""
    # BEGIN SOLUTION
    session.delete(task_or_404(session, task_id))
    session.commit()
    return Response(status_code=204)
    # END SOLUTION


def create_app(database_url: str) -> FastAPI:
    """The app factory: the engine is made by the lifespan, from this URL."""
    app = FastAPI(title="Tasks", lifespan=lifespan)
    app.state.database_url = database_url
    app.include_router(router)
    return app
