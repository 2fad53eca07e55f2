"""`fabnet demo`: the main job — runs the reference network end to end."""

from fabnet.cli.root import app, console


@app.command()
def demo() -> None:
    """Run the reference network (brainport) end to end."""
    console.print("fabnet demo: not yet wired")
