"""Earshot's incident history in the media browser: device → date → incident clip.

Identifiers: ``<entry_id>`` (dates of an entry), ``<entry_id>/<YYYY-MM-DD>`` (that
day's incidents), ``<entry_id>/<incident_id>`` (one clip). Clips are served by an
authenticated view; the media player and notifications get signed URLs for it.
"""

from __future__ import annotations

import re
from http import HTTPStatus

from aiohttp import web
from homeassistant.components.media_player.const import MediaClass
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .engine.guard.clips import ClipStore, IncidentRecord, is_safe_id
from .guard import CLIP_URL, clip_store, describe

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIME_WAV = "audio/wav"


async def async_get_media_source(hass: HomeAssistant) -> MediaSource:
    """Set up the Earshot media source."""
    return EarshotMediaSource(hass)


def _title(record: IncidentRecord) -> str:
    when = dt_util.as_local(record.started_at).strftime("%H:%M:%S")
    title = f"{when} {describe(record.kinds)}"
    return f"{title} (false alarm)" if record.false_alarm else title


class EarshotMediaSource(MediaSource):
    """Lists stored incidents and resolves their clips."""

    name = "Earshot"

    def __init__(self, hass: HomeAssistant) -> None:
        super().__init__(DOMAIN)
        self.hass = hass

    @property
    def store(self) -> ClipStore:
        """The shared clip store."""
        return clip_store(self.hass)

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """The authenticated URL of an incident's clip."""
        parts = item.identifier.split("/")
        if len(parts) != 2 or _DATE.match(parts[1]) or not all(map(is_safe_id, parts)):
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="not_a_clip",
                translation_placeholders={"identifier": item.identifier},
            )
        entry_id, incident_id = parts
        path = await self.hass.async_add_executor_job(self.store.clip_path, entry_id, incident_id)
        if path is None:
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="clip_not_found",
                translation_placeholders={"incident_id": incident_id},
            )
        return PlayMedia(CLIP_URL.format(entry_id=entry_id, incident_id=incident_id), MIME_WAV)

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """Browse entries, then dates, then incidents."""
        records = await self.hass.async_add_executor_job(self.store.records)
        parts = [part for part in item.identifier.split("/") if part] if item.identifier else []
        if not parts:
            return self._root(records)
        entry_records = [r for r in records if r.entry_id == parts[0]]
        if len(parts) == 1:
            return self._entry(parts[0], entry_records)
        if len(parts) == 2 and _DATE.match(parts[1]):
            day = [r for r in entry_records if r.started_at.date().isoformat() == parts[1]]
            return self._day(parts[0], parts[1], day)
        raise BrowseError(
            translation_domain=DOMAIN,
            translation_key="unknown_media_item",
            translation_placeholders={"identifier": item.identifier},
        )

    def _folder(
        self, identifier: str, title: str, children: list[BrowseMediaSource]
    ) -> BrowseMediaSource:
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=identifier,
            media_class=MediaClass.DIRECTORY,
            media_content_type="",
            title=title,
            can_play=False,
            can_expand=True,
            children=children,
            children_media_class=MediaClass.DIRECTORY,
        )

    def _entry_title(self, entry_id: str, records: list[IncidentRecord]) -> str:
        entry = self.hass.config_entries.async_get_entry(entry_id)
        if entry is not None:
            return entry.title
        return records[0].device if records else entry_id

    def _root(self, records: list[IncidentRecord]) -> BrowseMediaSource:
        entry_ids = sorted({r.entry_id for r in records})
        children = [
            self._folder(
                entry_id,
                self._entry_title(entry_id, [r for r in records if r.entry_id == entry_id]),
                [],
            )
            for entry_id in entry_ids
        ]
        return self._folder("", "Earshot", children)

    def _entry(self, entry_id: str, records: list[IncidentRecord]) -> BrowseMediaSource:
        dates = sorted({r.started_at.date().isoformat() for r in records}, reverse=True)
        children = [self._folder(f"{entry_id}/{date}", date, []) for date in dates]
        return self._folder(entry_id, self._entry_title(entry_id, records), children)

    def _day(self, entry_id: str, date: str, records: list[IncidentRecord]) -> BrowseMediaSource:
        children = [
            BrowseMediaSource(
                domain=DOMAIN,
                identifier=f"{entry_id}/{record.incident_id}",
                media_class=MediaClass.MUSIC,
                media_content_type=MIME_WAV,
                title=_title(record),
                can_play=record.clip is not None,
                can_expand=False,
            )
            for record in records
        ]
        folder = self._folder(f"{entry_id}/{date}", date, children)
        folder.children_media_class = MediaClass.MUSIC
        return folder


class EarshotClipView(HomeAssistantView):
    """Serves a stored clip to authenticated (or signed) requests."""

    url = CLIP_URL
    name = "api:earshot:clip"
    requires_auth = True

    def __init__(self, store: ClipStore) -> None:
        self.store = store

    async def get(
        self, request: web.Request, entry_id: str, incident_id: str
    ) -> web.StreamResponse:
        """Return the WAV file, or 404."""
        hass = request.app[KEY_HASS]
        path = await hass.async_add_executor_job(self.store.clip_path, entry_id, incident_id)
        if path is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.FileResponse(path, headers={"Content-Type": MIME_WAV})
