"""Settings of App Home and owner routing, env-overridable (env names HOME_<FIELD>).

HOME_REGIONAL_BACKUPS is JSON, e.g. '{"US": ["Jordan"], "EU": ["U0DANA"], "APAC": []}' (names or Slack ids;
region keys `US`/`EU`/`APAC` or `Americas`/`EMEA`). Defaults from services/home/owner_routing.py.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from services.home import owner_routing as R


class HomeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOME_", extra="ignore")

    # incidents-and-tickets.md §B.3: roles only, nobody named (002_59a801b964a2a19e.txt:4221).
    regional_backups: dict[str, list[str]] = {k: list(v) for k, v in R.DEFAULT_REGIONAL_BACKUPS.items()}
    # billing-alerts.md §2.9: no owner -> Simon (002_59a801b964a2a19e.txt:3648).
    no_owner_fallback: list[str] = list(R.DEFAULT_NO_OWNER_FALLBACK)
    # App Home: rows shown per section before "and N more".
    rows_per_section: int = 10

    def backups_by_region(self) -> dict[str, list[str]]:
        """Region codes normalised (`Americas` -> `US`); unknown keys are an error naming the valid ones."""
        out: dict[str, list[str]] = {}
        for key, people in self.regional_backups.items():
            code = R.normalise_region(key)
            if code is None:
                raise ValueError(f"HOME_REGIONAL_BACKUPS: unknown region {key!r}; use US, EU or APAC "
                                 '(e.g. {"US": ["Jordan"]})')
            out.setdefault(code, []).extend(people)
        return out
