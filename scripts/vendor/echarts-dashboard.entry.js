// The dashboard's ECharts: only the charts and components static/js/dashboard.js uses.
import * as echarts from "echarts/core";
import { BarChart, LineChart, PieChart } from "echarts/charts";
import {
  AriaComponent,
  DataZoomSliderComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
} from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([
  BarChart, LineChart, PieChart,
  AriaComponent, DataZoomSliderComponent, GridComponent, LegendComponent, MarkLineComponent,
  TitleComponent, TooltipComponent, SVGRenderer,
]);
window.echarts = echarts;
