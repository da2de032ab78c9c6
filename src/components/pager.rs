use action_center_core::Total;
use leptos::prelude::*;

/// Page sizes offered.
const PAGE_SIZES: [u32; 4] = [25, 50, 100, 200];

/// Paging: the row range, previous / next, "Page X of Y" and the page size.
#[component]
pub fn Pager(
    /// The 1-based page.
    page: RwSignal<u32>,
    /// Rows per page.
    page_size: RwSignal<u32>,
    /// Rows over all pages (exact, or "10,000+" past the server's counting bound).
    #[prop(into)]
    total: Signal<Total>,
    /// Rows on this page (past a lower bound, a short page is the last).
    #[prop(into)]
    rows: Signal<usize>,
) -> impl IntoView {
    let range = move || {
        total
            .get()
            .range_label(page.get(), page_size.get(), rows.get())
    };
    let at_start = move || page.get() <= 1;
    let at_end = move || {
        !total
            .get()
            .has_next(page.get(), page_size.get(), rows.get())
    };
    let set_size = move |ev: web_sys::Event| {
        if let Ok(size) = event_target_value(&ev).parse::<u32>() {
            page_size.set(size);
            page.set(1);
        }
    };
    view! {
        <nav class="ac-pager" aria-label="Pagination">
            <span class="ac-pager__range">{range}</span>
            <label class="ac-pager__size">
                "Rows per page "
                <select class="ac-select" on:change=set_size>
                    {PAGE_SIZES
                        .iter()
                        .map(|&n| {
                            view! {
                                <option value=n.to_string() selected=move || page_size.get() == n>
                                    {n.to_string()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <button
                type="button"
                class="ac-button ac-button--subtle"
                disabled=at_start
                on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))
            >
                "Previous page"
            </button>
            <span class="ac-pager__page">
                {move || total.get().page_label(page.get(), page_size.get())}
            </span>
            <button
                type="button"
                class="ac-button ac-button--subtle"
                disabled=at_end
                on:click=move |_| page.update(|p| *p += 1)
            >
                "Next page"
            </button>
        </nav>
    }
}
