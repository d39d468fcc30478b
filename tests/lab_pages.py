"""What the browser tests do to a JupyterLab page: wait for the kernel, run every cell as a
user does, and record each request to find any that leave the server's own host."""

from __future__ import annotations

from urllib.parse import urlsplit

# generous: a loaded 2-core machine may be slow to start a kernel; never a timing assertion
SLOW_MS = 120_000
# the status bar names the kernel once it has started and is idle; before that it says
# "No Kernel", and running cells then would ask which kernel to use
KERNEL_IDLE = """() => {
    const bar = document.querySelector('#jp-main-statusbar');
    return bar !== null && bar.innerText.includes('(ipykernel) | Idle');
}"""


def run_all_cells(page) -> None:
    """Run -> Run All Cells from the menu bar, as a user would."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def run_all(page, url: str) -> None:
    """Open the notebook at ``url``, wait for its kernel to be idle, and run every cell."""
    page.goto(url)
    page.wait_for_function(KERNEL_IDLE)
    run_all_cells(page)


def record_requests(page) -> list[str]:
    """Every URL the page asks for, from now on."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def off_host(urls: list[str], base: str) -> list[str]:
    """The requests that went anywhere but the server at ``base`` (data: and blob: stay local)."""
    own = urlsplit(base).netloc
    return [url for url in urls
            if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != own]
