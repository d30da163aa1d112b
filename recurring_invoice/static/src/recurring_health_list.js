// The recurring templates' list, with the health check's banner above it:
// the problems the last check found (an HTML fragment the server renders,
// recurring.invoice.health.get_banner_html) and a "Check now" button.
import {Component, markup, onWillStart, useState} from "@odoo/owl";
import {ListController} from "@web/views/list/list_controller";
import {listView} from "@web/views/list/list_view";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";

const HEALTH = "recurring.invoice.health";

export class RecurringHealthBanner extends Component {
    static template = "recurring_invoice.HealthBanner";
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.state = useState({html: "", checking: false});
        onWillStart(async () => {
            this.state.html = markup(
                await this.orm.call(HEALTH, "get_banner_html", [])
            );
        });
    }

    async onClick(ev) {
        if (
            !ev.target.closest("[data-recurring-health-check]") ||
            this.state.checking
        ) {
            return;
        }
        this.state.checking = true;
        try {
            this.state.html = markup(
                await this.orm.call(HEALTH, "action_check_health", [])
            );
        } finally {
            this.state.checking = false;
        }
    }
}

export class RecurringTemplateListController extends ListController {
    static template = "recurring_invoice.TemplateListView";
    static components = {...ListController.components, RecurringHealthBanner};
}

registry.category("views").add("recurring_template_list", {
    ...listView,
    Controller: RecurringTemplateListController,
});
