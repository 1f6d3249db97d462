"""The CV corpus: ingest (admin), list with filters, read, serve the PDF, search, delete (admin)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import MultipartBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from cvchat.application.cvs import CvFilters, DeleteCv, GetCv, GetCvPdf, IngestCv, IngestCvInput, ListCvs, SearchCvs
from cvchat.application.users import Principal
from cvchat.domain.errors import PayloadTooLargeError
from cvchat.infrastructure.cvs import filters as normalise
from cvchat.infrastructure.db.cv_repository import SqlCvRepository
from cvchat.infrastructure.runtime import Runtime
from cvchat.infrastructure.web.auth import BEARER_ONLY, provide_admin, provide_principal
from cvchat.infrastructure.web.deps import provide_runtime
from cvchat.infrastructure.web.errors import problem_responses
from cvchat.infrastructure.web.schemas import (
    CvDetail,
    CvIngested,
    CvPage,
    CvRead,
    CvSearchResult,
    CvSearchResults,
    CvUpload,
)

CvId = Annotated[UUID, PathParameter(title="CV id", description="The id of a CV.")]


def provide_cvs_repo(db_session: NamedDependency[AsyncSession]) -> SqlCvRepository:
    return SqlCvRepository(db_session)


_READ = {"principal": Provide(provide_principal)}
_ADMIN = {"admin": Provide(provide_admin)}


class CvController(Controller):
    path = "/api/cvs"
    tags = ["CVs"]
    security = BEARER_ONLY
    dependencies = {
        "runtime": Provide(provide_runtime, sync_to_thread=False),
        "cvs_repo": Provide(provide_cvs_repo, sync_to_thread=False),
    }

    @post(
        operation_id="IngestCv",
        responses=problem_responses(401, 403, 413, 415, 422),
        summary="Ingest a CV PDF (admin)",
        status_code=HTTP_201_CREATED,
        dependencies=_ADMIN,
        request_max_body_size=None,  # checked against MAX_CV_BYTES below, with a precise 413
    )
    async def ingest(
        self,
        request: Request,
        data: MultipartBody[CvUpload],
        admin: NamedDependency[None],
        runtime: NamedDependency[Runtime],
        cvs_repo: NamedDependency[SqlCvRepository],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[CvIngested]:
        """Upload a PDF as the multipart field `data`. The same file twice is one CV (200 the second time).

        415 for a file that is not a PDF; 422 for a corrupt or encrypted PDF or one without text; 413 over MAX_CV_BYTES.
        """
        limit = runtime.settings.max_cv_bytes
        declared = int(request.headers.get("content-length") or 0)
        if declared > limit + 64 * 1024:
            raise PayloadTooLargeError(f"the upload is {declared:,} bytes; the limit is {limit:,} (MAX_CV_BYTES)")
        upload = data.data
        content = await upload.read()
        ingest = IngestCv(cvs_repo, runtime.pdf_reader, runtime.clock, limit)
        result = await ingest(IngestCvInput(filename=upload.filename or "upload.pdf", data=content))
        await db_session.commit()
        runtime.cv_search.wake()
        body = CvIngested(**msgspec.structs.asdict(CvRead.from_domain(result.cv)), created=result.created)
        return Response(body, status_code=HTTP_201_CREATED if result.created else HTTP_200_OK)

    @get(
        operation_id="ListCvs",
        responses=problem_responses(401, 422),  # 422: a language, level or degree it does not know
        summary="List CVs, filtered by their profile",
        dependencies=_READ,
    )
    async def list_all(
        self,
        principal: NamedDependency[Principal],
        cvs_repo: NamedDependency[SqlCvRepository],
        skill: Annotated[str | None, QueryParameter(description="A skill (aliases accepted: k8s).")] = None,
        language: Annotated[str | None, QueryParameter(description="A language: code or name (de, alemán).")] = None,
        min_level: Annotated[str | None, QueryParameter(description="native, fluent, professional or basic.")] = None,
        location: Annotated[str | None, QueryParameter(description="A city or country (München, Alemania).")] = None,
        min_years: Annotated[float | None, QueryParameter(ge=0, description="Years of experience, at least.")] = None,
        max_years: Annotated[float | None, QueryParameter(ge=0, description="Years of experience, at most.")] = None,
        degree: Annotated[str | None, QueryParameter(description="Minimum degree: vocational … phd.")] = None,
        cursor: Annotated[UUID | None, QueryParameter(description="`next_cursor` of the previous page.")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> CvPage:
        """The corpus, newest first. Filter values are normalised (alemán → de, München → Munich, k8s → Kubernetes)."""
        city, country = normalise.location(location) if location else (None, None)
        filters = CvFilters(
            skill=normalise.skill(skill) if skill else None,
            language=normalise.language_code(language) if language else None,
            min_level=normalise.language_level(min_level) if min_level else None,
            city=city,
            country=country,
            min_years=min_years,
            max_years=max_years,
            degree=normalise.degree(degree) if degree else None,
        )
        page = await ListCvs(cvs_repo)(filters, cursor, limit)
        return CvPage(items=[CvRead.from_domain(cv) for cv in page.items], next_cursor=page.next_cursor)

    @get(
        "/search",
        operation_id="SearchCvs",
        responses=problem_responses(401),
        summary="Hybrid search",
        dependencies=_READ,
    )
    async def search(
        self,
        principal: NamedDependency[Principal],
        runtime: NamedDependency[Runtime],
        q: Annotated[str, QueryParameter(min_length=1, max_length=500, description="A recruiter's question.")],
        k: Annotated[int, QueryParameter(ge=1, le=50)] = 10,
    ) -> CvSearchResults:
        """The best CVs for a question in any of en/es/de/fr, with the snippets that match."""
        hits = await SearchCvs(runtime.cv_search)(q, k)
        return CvSearchResults(
            query=q,
            results=[
                CvSearchResult(
                    cv_id=h.cv_id,
                    name=h.name,
                    source_filename=h.source_filename,
                    score=h.score,
                    snippets=h.snippets,
                    pdf_url=f"/api/cvs/{h.cv_id}/pdf",
                )
                for h in hits
            ],
        )

    @get(
        "/{cv_id:uuid}", operation_id="GetCv", summary="A CV", dependencies=_READ, responses=problem_responses(401, 404)
    )
    async def get_one(
        self, cv_id: CvId, principal: NamedDependency[Principal], cvs_repo: NamedDependency[SqlCvRepository]
    ) -> CvDetail:
        """The CV's structured profile and its text."""
        return CvDetail.from_cv(await GetCv(cvs_repo)(cv_id))

    @get(
        "/{cv_id:uuid}/pdf",
        operation_id="GetCvPdf",
        responses=problem_responses(401, 404),
        summary="A CV's PDF",
        media_type="application/pdf",
        dependencies=_READ,
    )
    async def pdf(
        self, cv_id: CvId, principal: NamedDependency[Principal], cvs_repo: NamedDependency[SqlCvRepository]
    ) -> Response[bytes]:
        """The original PDF as ingested."""
        cv, data = await GetCvPdf(cvs_repo)(cv_id)
        safe = "".join(c for c in cv.source_filename if c.isalnum() or c in "._- ") or "cv.pdf"
        return Response(
            data, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{safe}"'}
        )

    @delete(
        "/{cv_id:uuid}",
        operation_id="DeleteCv",
        responses=problem_responses(401, 403, 404),
        summary="Remove a CV (admin)",
        dependencies=_ADMIN,
    )
    async def remove(
        self,
        cv_id: CvId,
        admin: NamedDependency[None],
        cvs_repo: NamedDependency[SqlCvRepository],
        db_session: NamedDependency[AsyncSession],
        runtime: NamedDependency[Runtime],
    ) -> None:
        """Delete the CV, its PDF and its index rows; every worker drops it from search at its next search."""
        await DeleteCv(cvs_repo)(cv_id)
        await db_session.commit()
        await runtime.cv_search.refresh()
