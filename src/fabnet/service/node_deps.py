"""Access to the running node from a request."""

from fastapi import Request

from fabnet.service.node_runtime import NodeRuntime


def runtime_of(request: Request) -> NodeRuntime:
    return request.app.state.runtime
