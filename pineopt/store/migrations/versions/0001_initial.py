"""The store's tables, as :mod:`pineopt.store.models` first defined them.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(none_as_null=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_logs")),
    )
    op.create_index(op.f("ix_activity_logs_at"), "activity_logs", ["at"], unique=False)

    op.create_table(
        "data_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("exchange", sa.String(length=64), nullable=False),
        sa.Column("symbol", sa.String(length=100), nullable=False),
        sa.Column("timeframe", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_sources")),
        sa.UniqueConstraint(
            "provider",
            "exchange",
            "symbol",
            "timeframe",
            name=op.f("uq_data_sources_provider_exchange_symbol_timeframe"),
        ),
    )
    op.create_table(
        "strategies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("parameters", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("dependencies", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("validation_status", sa.String(length=16), nullable=False),
        sa.Column("validation", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("language IN ('pine', 'python')", name=op.f("ck_strategies_language")),
        sa.CheckConstraint(
            "validation_status IN ('valid', 'invalid', 'unknown')",
            name=op.f("ck_strategies_validation_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategies")),
        sa.UniqueConstraint("name", name=op.f("uq_strategies_name")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "conversions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=True),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("diagnostics", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("features", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("pineopt_version", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('ok', 'error')", name=op.f("ck_conversions_status")),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_conversions_strategy_id_strategies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversions")),
    )
    op.create_index(
        op.f("ix_conversions_source_sha256"), "conversions", ["source_sha256"], unique=False
    )
    op.create_index(
        op.f("ix_conversions_strategy_id"), "conversions", ["strategy_id"], unique=False
    )

    op.create_table(
        "data_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data_source_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bars", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("cache_path", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_source_id"],
            ["data_sources.id"],
            name=op.f("fk_data_sessions_data_source_id_data_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_sessions")),
    )
    op.create_index(
        op.f("ix_data_sessions_data_source_id"), "data_sessions", ["data_source_id"], unique=False
    )
    op.create_index(
        op.f("ix_data_sessions_fingerprint"), "data_sessions", ["fingerprint"], unique=False
    )

    op.create_table(
        "optimization_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("objective", sa.String(length=200), nullable=False),
        sa.Column("space", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("settings", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("best_iteration_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'done', 'failed', 'cancelled')",
            name=op.f("ck_optimization_campaigns_status"),
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_optimization_campaigns_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_optimization_campaigns")),
    )
    op.create_index(
        op.f("ix_optimization_campaigns_strategy_id"),
        "optimization_campaigns",
        ["strategy_id"],
        unique=False,
    )

    op.create_table(
        "strategy_parameters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("default", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("options", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("minval", sa.Float(), nullable=True),
        sa.Column("maxval", sa.Float(), nullable=True),
        sa.Column("step", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_strategy_parameters_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_parameters")),
        sa.UniqueConstraint(
            "strategy_id", "position", name=op.f("uq_strategy_parameters_strategy_id_position")
        ),
    )
    op.create_index(
        op.f("ix_strategy_parameters_strategy_id"),
        "strategy_parameters",
        ["strategy_id"],
        unique=False,
    )

    op.create_table(
        "strategy_tags",
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_strategy_tags_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_strategy_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("strategy_id", "tag_id", name=op.f("pk_strategy_tags")),
    )
    op.create_table(
        "strategy_validations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("diagnostics", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("features", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('valid', 'invalid', 'unknown')", name=op.f("ck_strategy_validations_status")
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_strategy_validations_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_validations")),
    )
    op.create_index(
        op.f("ix_strategy_validations_strategy_id"),
        "strategy_validations",
        ["strategy_id"],
        unique=False,
    )

    op.create_table(
        "backtests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("conversion_id", sa.Integer(), nullable=True),
        sa.Column("data_session_id", sa.Integer(), nullable=True),
        sa.Column("provider", sa.String(length=64), nullable=True),
        sa.Column("exchange", sa.String(length=64), nullable=True),
        sa.Column("symbol", sa.String(length=100), nullable=False),
        sa.Column("timeframe", sa.String(length=16), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("initial_capital", sa.Float(), nullable=True),
        sa.Column("commission", sa.Float(), nullable=True),
        sa.Column("slippage", sa.Float(), nullable=True),
        sa.Column("settings", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("inputs", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("pineopt_version", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_backtests_status")
        ),
        sa.ForeignKeyConstraint(
            ["conversion_id"],
            ["conversions.id"],
            name=op.f("fk_backtests_conversion_id_conversions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["data_session_id"],
            ["data_sessions.id"],
            name=op.f("fk_backtests_data_session_id_data_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_backtests_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backtests")),
    )
    op.create_index(
        op.f("ix_backtests_conversion_id"), "backtests", ["conversion_id"], unique=False
    )
    op.create_index(op.f("ix_backtests_created_at"), "backtests", ["created_at"], unique=False)
    op.create_index(
        op.f("ix_backtests_data_session_id"), "backtests", ["data_session_id"], unique=False
    )
    op.create_index(op.f("ix_backtests_status"), "backtests", ["status"], unique=False)
    op.create_index(op.f("ix_backtests_strategy_id"), "backtests", ["strategy_id"], unique=False)
    op.create_index(
        "ix_backtests_symbol_timeframe", "backtests", ["symbol", "timeframe"], unique=False
    )

    op.create_table(
        "backtest_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("backtest_id", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("equity", sa.LargeBinary(), nullable=True),
        sa.Column("plots_ref", sa.Text(), nullable=True),
        sa.Column("report_path", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["backtest_id"],
            ["backtests.id"],
            name=op.f("fk_backtest_results_backtest_id_backtests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backtest_results")),
        sa.UniqueConstraint("backtest_id", name=op.f("uq_backtest_results_backtest_id")),
    )
    op.create_table(
        "backtest_trades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("backtest_id", sa.Integer(), nullable=False),
        sa.Column("trade", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("entry_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_price", sa.Float(), nullable=True),
        sa.Column("entry_signal", sa.Text(), nullable=True),
        sa.Column("entry_bar", sa.Integer(), nullable=False),
        sa.Column("exit_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exit_price", sa.Float(), nullable=True),
        sa.Column("exit_signal", sa.Text(), nullable=True),
        sa.Column("exit_bar", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Float(), nullable=True),
        sa.Column("profit", sa.Float(), nullable=True),
        sa.Column("profit_pct", sa.Float(), nullable=True),
        sa.Column("cum_profit", sa.Float(), nullable=True),
        sa.Column("mfe", sa.Float(), nullable=True),
        sa.Column("mae", sa.Float(), nullable=True),
        sa.Column("bars", sa.Integer(), nullable=False),
        sa.Column("commission", sa.Float(), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["backtest_id"],
            ["backtests.id"],
            name=op.f("fk_backtest_trades_backtest_id_backtests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backtest_trades")),
        sa.UniqueConstraint(
            "backtest_id", "trade", name=op.f("uq_backtest_trades_backtest_id_trade")
        ),
    )
    op.create_index(
        op.f("ix_backtest_trades_backtest_id"), "backtest_trades", ["backtest_id"], unique=False
    )

    op.create_table(
        "optimization_iterations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("metrics", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("backtest_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["backtest_id"],
            ["backtests.id"],
            name=op.f("fk_optimization_iterations_backtest_id_backtests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["optimization_campaigns.id"],
            name=op.f("fk_optimization_iterations_campaign_id_optimization_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_optimization_iterations")),
        sa.UniqueConstraint(
            "campaign_id", "number", name=op.f("uq_optimization_iterations_campaign_id_number")
        ),
    )
    op.create_index(
        op.f("ix_optimization_iterations_backtest_id"),
        "optimization_iterations",
        ["backtest_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_optimization_iterations_campaign_id"),
        "optimization_iterations",
        ["campaign_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_optimization_iterations_campaign_id"), table_name="optimization_iterations"
    )
    op.drop_index(
        op.f("ix_optimization_iterations_backtest_id"), table_name="optimization_iterations"
    )

    op.drop_table("optimization_iterations")
    op.drop_index(op.f("ix_backtest_trades_backtest_id"), table_name="backtest_trades")

    op.drop_table("backtest_trades")
    op.drop_table("backtest_results")
    op.drop_index("ix_backtests_symbol_timeframe", table_name="backtests")
    op.drop_index(op.f("ix_backtests_strategy_id"), table_name="backtests")
    op.drop_index(op.f("ix_backtests_status"), table_name="backtests")
    op.drop_index(op.f("ix_backtests_data_session_id"), table_name="backtests")
    op.drop_index(op.f("ix_backtests_created_at"), table_name="backtests")
    op.drop_index(op.f("ix_backtests_conversion_id"), table_name="backtests")

    op.drop_table("backtests")
    op.drop_index(op.f("ix_strategy_validations_strategy_id"), table_name="strategy_validations")

    op.drop_table("strategy_validations")
    op.drop_table("strategy_tags")
    op.drop_index(op.f("ix_strategy_parameters_strategy_id"), table_name="strategy_parameters")

    op.drop_table("strategy_parameters")
    op.drop_index(
        op.f("ix_optimization_campaigns_strategy_id"), table_name="optimization_campaigns"
    )

    op.drop_table("optimization_campaigns")
    op.drop_index(op.f("ix_data_sessions_fingerprint"), table_name="data_sessions")
    op.drop_index(op.f("ix_data_sessions_data_source_id"), table_name="data_sessions")

    op.drop_table("data_sessions")
    op.drop_index(op.f("ix_conversions_strategy_id"), table_name="conversions")
    op.drop_index(op.f("ix_conversions_source_sha256"), table_name="conversions")

    op.drop_table("conversions")
    op.drop_table("tags")
    op.drop_table("strategies")
    op.drop_table("data_sources")
    op.drop_index(op.f("ix_activity_logs_at"), table_name="activity_logs")

    op.drop_table("activity_logs")
