import {registry} from "@web/core/registry";

// The health check's banner above the recurring templates' list, and its
// "Check now" button.
registry.category("web_tour.tours").add("recurring_invoice_health_tour", {
    steps: () => [
        {
            content: "The banner tells the problem the evening check found",
            trigger: ".o_list_view .o_recurring_health_banner:contains('wkhtmltopdf')",
        },
        {
            content: "The templates are listed below it",
            trigger: ".o_list_view .o_data_row",
        },
        {
            content: "Check now",
            trigger: ".o_recurring_health_banner button.o_recurring_health_check",
            run: "click",
        },
        {
            content: "The check of now replaced it",
            trigger:
                ".o_recurring_health_banner:contains('No outgoing mail server'):not(:contains('wkhtmltopdf'))",
        },
    ],
});
